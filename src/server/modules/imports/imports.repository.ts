import type { Selectable } from 'kysely';
import type {
  Import,
  ImportAttributeTarget,
  ImportMapping,
  ImportSummary,
} from '../../../contracts/imports.ts';
import type { ImportsTable } from '../../db/schema.ts';
import { suggestMapping } from './sources/headers.ts';

export type ImportRow = Selectable<ImportsTable>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Rows done, rate and time left of the current pass; staging and applying are half of it each. */
export function progressOf(row: ImportRow, now = Date.now()): Import['progress'] {
  const total = row.total_rows;
  const done = row.rows_read + row.rows_applied;
  const elapsed = row.pass_started_at ? (now - row.pass_started_at.getTime()) / 1000 : 0;
  const active = row.status === 'checking' || row.status === 'running';
  const rate = active && elapsed > 0 && done > 0 ? done / elapsed : null;
  const work = total ? 2 * total : null;
  const percent = ['completed', 'checked'].includes(row.status)
    ? 100
    : work
      ? Math.min(99, Math.floor((100 * done) / work))
      : 0;
  return {
    pass: row.pass,
    phase: row.phase,
    rowsRead: row.rows_read,
    rowsApplied: row.rows_applied,
    totalRows: total,
    rowsPerSecond: rate === null ? null : Math.round(rate / 2),
    etaSeconds: rate && work ? Math.max(0, Math.round((work - done) / rate)) : null,
    percent,
  };
}

export const HEADER_ONLY = 'The file has only a header row: there is nothing to import.';

/** Known to hold no row below its header (counted when the whole file fit in the preview). */
export function headerOnly(row: ImportRow): boolean {
  return row.total_rows === 0 && (row.options as { hasHeader?: boolean }).hasHeader !== false;
}

export function toImport(
  row: ImportRow,
  hasCredentials: boolean,
  targets: ImportAttributeTarget[] = [],
): Import {
  return {
    id: row.id,
    type: row.type,
    sourceName: row.source_name,
    format: row.format,
    fileName: row.file_name,
    fileSize: Number(row.file_size),
    encoding: row.encoding,
    delimiter: row.delimiter,
    sheet: row.sheet,
    sheets: row.sheets,
    columns: row.columns,
    mapping: row.mapping as ImportMapping,
    suggestedMapping: suggestMapping(row.type, row.columns, targets),
    attributeTargets: targets,
    options: row.options,
    status: row.status,
    counts: row.counts,
    dryRunCounts: row.dry_run_counts,
    progress: progressOf(row),
    error: row.error,
    hasCredentials,
    warnings: headerOnly(row) ? [HEADER_ONLY] : [],
    scheduledAt: iso(row.scheduled_at),
    createdBy: row.created_by_label,
    createdAt: row.created_at.toISOString(),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
  };
}

export function toImportSummary(row: ImportRow): ImportSummary {
  return {
    id: row.id,
    type: row.type,
    sourceName: row.source_name,
    format: row.format,
    status: row.status,
    counts: row.counts,
    scheduledAt: iso(row.scheduled_at),
    createdBy: row.created_by_label,
    createdAt: row.created_at.toISOString(),
    finishedAt: iso(row.finished_at),
  };
}
