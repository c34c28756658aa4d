import fs from 'node:fs';
import { sql } from 'kysely';
import {
  ImportMapping,
  ImportOptions,
  isAttributeTarget,
  type ImportAttributeTarget,
  type ImportCreated,
  type ImportPreview,
  type ImportSummary,
  type ImportType,
  type Import,
  type PreviewRow,
} from '../../../contracts/imports.ts';
import { isCommercialImport } from '../../../contracts/import-fields.ts';
import type { Config } from '../../config.ts';
import type { Db, Executor } from '../../db/client.ts';
import type { ImportCounts } from '../../db/schema.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import type { JobRunner } from '../../jobs/job-runner.ts';
import { decodeCursor, toPage } from '../../lib/cursor.ts';
import { conflict, notFound, unprocessable } from '../../lib/errors.ts';
import { deleteFile, materialiseFile, storeFile } from './file-store.ts';
import { runImportQueue } from './import-runner.ts';
import { attributeTargets, findTarget } from './import-attributes.ts';
import { HEADER_ONLY, headerOnly, toImport, toImportSummary, type ImportRow } from './imports.repository.ts';
import { loginSettings } from './logins.ts';
import { compileMapping, type CompiledMapping } from './row-validator.ts';
import { normaliseHeaders, suggestMapping } from './sources/headers.ts';
import {
  detectSource,
  readRows,
  type DetectedSource,
  type SourceInput,
  type SourceRow,
} from './sources/source.ts';
import { dropStage } from './stage.ts';

export type ImportsDeps = { db: Db; jobs: JobRunner; config: Config['imports'] };

const PREVIEW_ROWS = 20;
const ZERO: ImportCounts = { created: 0, updated: 0, unchanged: 0, rejected: 0 };

export type NewImport = {
  type: ImportType;
  sourceName?: string | null;
  fileName: string | null;
  mapping?: unknown;
  options?: unknown;
} & ({ file: string; size: number } | { text: string });

function parseOptions(value: unknown): ImportOptions {
  const parsed = ImportOptions.safeParse(value ?? {});
  if (!parsed.success) {
    throw unprocessable(
      'The import options are not valid',
      parsed.error.issues.map((i) => ({ path: ['options', ...i.path].join('.'), message: i.message })),
    );
  }
  return parsed.data;
}

function parseMapping(value: unknown): ImportMapping {
  const parsed = ImportMapping.safeParse(value);
  if (!parsed.success) {
    throw unprocessable(
      'The column mapping is not valid',
      parsed.error.issues.map((i) => ({ path: ['mapping', ...i.path].join('.'), message: i.message })),
    );
  }
  return parsed.data;
}

/** The header and the first rows of a source, without reading further. */
async function readHead(input: SourceInput, detected: DetectedSource, hasHeader: boolean) {
  const rows: SourceRow[] = [];
  for await (const row of readRows(input, detected)) {
    rows.push(row);
    if (rows.length > PREVIEW_ROWS) break;
  }
  if (!rows.length) throw unprocessable('The file has no rows', [{ path: 'file', message: 'Empty' }]);
  const first = rows[0]!;
  const headers = normaliseHeaders(first.cells, hasHeader);
  return { headers, rows: hasHeader ? rows.slice(1) : rows.slice(0, PREVIEW_ROWS) };
}

function previewOf(mapping: CompiledMapping, rows: SourceRow[]): PreviewRow[] {
  return rows.slice(0, PREVIEW_ROWS).map((row) => ({
    line: row.line,
    cells: row.cells,
    errors: row.error
      ? [{ column: null, field: null, message: row.error }]
      : mapping.validate(row.cells).errors,
  }));
}

async function knownGroups(db: Executor, scopeId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('customer_groups').select('key').where('scope_id', '=', scopeId).execute();
  return new Set(rows.map((r) => r.key.toLowerCase()));
}

async function savedMapping(
  db: Executor,
  scopeId: string,
  type: ImportType,
  sourceName: string,
  headers: string[],
  targets: readonly ImportAttributeTarget[],
) {
  const row = await db
    .selectFrom('import_mappings')
    .select('mapping')
    .where('scope_id', '=', scopeId)
    .where('type', '=', type)
    .where(sql`lower(source_name)`, '=', sourceName.toLowerCase())
    .executeTakeFirst();
  if (!row) return null;
  const parsed = ImportMapping.safeParse(row.mapping);
  if (!parsed.success) return null;
  // A remembered column the file no longer has, or an attribute archived since, is dropped rather than
  // reported on every row.
  const present = new Set(headers.map((h) => h.toLowerCase()));
  return Object.fromEntries(
    Object.entries(parsed.data).filter(
      ([name, s]) =>
        s &&
        (!('column' in s) || present.has(s.column.toLowerCase())) &&
        (!isAttributeTarget(name) || findTarget(targets, name)),
    ),
  ) as ImportMapping;
}

async function loadRow(db: Executor, ctx: RequestContext, id: string): Promise<ImportRow> {
  const row = await db
    .selectFrom('imports')
    .selectAll()
    .where('id', '=', id)
    .where('scope_id', '=', ctx.scopeId)
    .executeTakeFirst();
  if (!row) throw notFound('The import');
  return row;
}

function estimateRows(size: number, rows: SourceRow[], total: number | null): number | null {
  if (total !== null) return total;
  const bytes = rows.reduce((sum, r) => sum + r.cells.reduce((s, c) => s + c.length + 1, 0), 0);
  return bytes > 0 ? Math.max(rows.length, Math.round((size * rows.length) / bytes)) : null;
}

export async function createImport(
  deps: ImportsDeps,
  ctx: RequestContext,
  input: NewImport,
): Promise<ImportCreated> {
  assertCan(ctx, 'imports.run');
  const { db } = deps;
  const options = parseOptions(input.options);
  const source: SourceInput =
    'file' in input
      ? { kind: 'file', path: input.file, fileName: input.fileName }
      : { kind: 'text', text: input.text };
  const detected = await detectSource(source, { ...(options.sheet && { sheet: options.sheet }) });
  const { headers, rows } = await readHead(source, detected, options.hasHeader);
  const sourceName = (input.sourceName?.trim() || input.fileName || 'Pasted text').slice(0, 200);
  const targets = await attributeTargets(db, ctx.scopeId, input.type);
  const mapping =
    input.mapping !== undefined && input.mapping !== null
      ? parseMapping(input.mapping)
      : ((await savedMapping(db, ctx.scopeId, input.type, sourceName, headers, targets)) ??
        suggestMapping(input.type, headers, targets));
  const size = 'file' in input ? input.size : Buffer.byteLength(input.text);
  const complete = rows.length < PREVIEW_ROWS;
  const row = await db.transaction().execute(async (tx) => {
    const created = await tx
      .insertInto('imports')
      .values({
        scope_id: ctx.scopeId,
        type: input.type,
        source_name: sourceName,
        format: detected.format,
        file_name: input.fileName,
        file_size: size,
        encoding: detected.encoding,
        delimiter: detected.delimiter,
        sheet: detected.sheet,
        sheets: JSON.stringify(detected.sheets),
        columns: JSON.stringify(headers),
        mapping: JSON.stringify(mapping),
        options: JSON.stringify(options),
        status: 'uploaded',
        total_rows: estimateRows(size, rows, complete ? rows.length : null),
        created_by_type: ctx.actor.type,
        created_by_id: ctx.actor.id,
        created_by_label: ctx.actor.label,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if ('file' in input) await storeFile(tx, created.id, input.file);
    else
      await tx
        .insertInto('import_files')
        .values({ import_id: created.id, seq: 0, data: Buffer.from(input.text) })
        .execute();
    return created;
  });
  const compiled = compileMapping(input.type, headers, mapping, await knownGroups(db, ctx.scopeId), targets);
  return { ...toImport(row, false, targets), preview: previewOf(compiled, rows) };
}

export async function getImport(db: Db, ctx: RequestContext, id: string): Promise<Import> {
  assertCan(ctx, 'imports.read');
  const row = await db
    .selectFrom('imports')
    .selectAll()
    .select((eb) =>
      eb
        .exists(eb.selectFrom('import_credentials').select('email').where('import_id', '=', id))
        .as('has_credentials'),
    )
    .where('id', '=', id)
    .where('scope_id', '=', ctx.scopeId)
    .executeTakeFirst();
  if (!row) throw notFound('The import');
  const { has_credentials, ...imp } = row;
  return toImport(imp, Boolean(has_credentials), await attributeTargets(db, ctx.scopeId, imp.type));
}

export async function listImports(
  db: Db,
  ctx: RequestContext,
  query: { limit: number; cursor?: string; status?: string },
): Promise<{ items: ImportSummary[]; nextCursor: string | null }> {
  assertCan(ctx, 'imports.read');
  const cursor = decodeCursor(query.cursor, { at: 'timestamp', id: 'uuid' });
  let q = db
    .selectFrom('imports')
    .selectAll()
    .select(sql<string>`created_at::text`.as('created_key'))
    .where('scope_id', '=', ctx.scopeId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  if (cursor) q = q.where(sql<boolean>`(created_at, id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`);
  const rows = await q.execute();
  return toPage(rows, query.limit, (r) => ({ at: r.created_key, id: r.id }), toImportSummary);
}

/** Reads the stored file's first rows again, for a preview after the mapping or options changed. */
async function withSource<T>(db: Db, row: ImportRow, use: (input: SourceInput) => Promise<T>): Promise<T> {
  if (row.format === 'text') {
    const chunks = await db
      .selectFrom('import_files')
      .select('data')
      .where('import_id', '=', row.id)
      .orderBy('seq')
      .execute();
    if (!chunks.length) throw conflict('The file of this import is no longer kept');
    return use({ kind: 'text', text: Buffer.concat(chunks.map((c) => c.data)).toString('utf8') });
  }
  const file = await materialiseFile(db, row.id);
  try {
    if (!(await fs.promises.stat(file)).size) throw conflict('The file of this import is no longer kept');
    return await use({ kind: 'file', path: file, fileName: row.file_name });
  } finally {
    await fs.promises.rm(file, { force: true });
  }
}

export async function previewImport(db: Db, ctx: RequestContext, id: string): Promise<ImportPreview> {
  assertCan(ctx, 'imports.read');
  const row = await loadRow(db, ctx, id);
  const options = ImportOptions.parse(row.options);
  return withSource(db, row, async (input) => {
    const detected = await detectSource(input, { ...(row.sheet && { sheet: row.sheet }) });
    const { rows } = await readHead(input, detected, options.hasHeader);
    const compiled = compileMapping(
      row.type,
      row.columns,
      row.mapping as ImportMapping,
      await knownGroups(db, ctx.scopeId),
      await attributeTargets(db, ctx.scopeId, row.type),
    );
    return { rows: previewOf(compiled, rows), mappingErrors: compiled.mappingErrors };
  });
}

const EDITABLE = ['uploaded', 'checked'];

export async function updateImport(
  db: Db,
  ctx: RequestContext,
  id: string,
  body: { mapping?: unknown; options?: unknown; type?: ImportType },
): Promise<Import> {
  assertCan(ctx, 'imports.run');
  const row = await loadRow(db, ctx, id);
  if (!EDITABLE.includes(row.status))
    throw conflict(`This import is ${row.status}: it can no longer be changed`);
  const options = body.options === undefined ? ImportOptions.parse(row.options) : parseOptions(body.options);
  const mapping = body.mapping === undefined ? (row.mapping as ImportMapping) : parseMapping(body.mapping);
  const previous = ImportOptions.parse(row.options);
  let columns = row.columns;
  let sheet = row.sheet;
  let totalRows = row.total_rows;
  if (options.sheet !== previous.sheet || options.hasHeader !== previous.hasHeader) {
    // Another sheet or header setting means other columns (and rows): read them again.
    ({ columns, sheet, totalRows } = await withSource(db, row, async (input) => {
      const detected = await detectSource(input, { ...(options.sheet && { sheet: options.sheet }) });
      const head = await readHead(input, detected, options.hasHeader);
      const complete = head.rows.length < PREVIEW_ROWS;
      return {
        columns: head.headers,
        sheet: detected.sheet,
        totalRows: estimateRows(Number(row.file_size), head.rows, complete ? head.rows.length : null),
      };
    }));
  }
  const updated = await db
    .updateTable('imports')
    .set({
      type: body.type ?? row.type,
      mapping: JSON.stringify(mapping),
      options: JSON.stringify(options),
      columns: JSON.stringify(columns),
      sheet,
      total_rows: totalRows,
      status: 'uploaded',
      dry_run_counts: null,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toImport(updated, false, await attributeTargets(db, ctx.scopeId, updated.type));
}

/** Starts the dry run or the run: validates the mapping, resets the counters and hands the pass to a worker. */
export async function startPass(
  deps: ImportsDeps,
  ctx: RequestContext,
  id: string,
  pass: 'dry-run' | 'run',
): Promise<Import> {
  assertCan(ctx, 'imports.run');
  const { db } = deps;
  const row = await db.transaction().execute(async (tx) => {
    const current = await tx
      .selectFrom('imports')
      .selectAll()
      .where('id', '=', id)
      .where('scope_id', '=', ctx.scopeId)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw notFound('The import');
    // The commercial lists are settings: filling them takes the right to edit settings too.
    if (isCommercialImport(current.type)) assertCan(ctx, 'settings.write');
    if (!EDITABLE.includes(current.status)) {
      throw conflict(`This import is ${current.status}: start a new import to run the file again`);
    }
    if (headerOnly(current))
      throw unprocessable(HEADER_ONLY, [{ path: 'file', message: 'Only a header row' }]);
    const options = ImportOptions.parse(current.options);
    const mapping = current.mapping as ImportMapping;
    const compiled = compileMapping(
      current.type,
      current.columns,
      mapping,
      await knownGroups(tx, ctx.scopeId),
      await attributeTargets(tx, ctx.scopeId, current.type),
    );
    if (compiled.mappingErrors.length) {
      throw unprocessable(
        'The column mapping is not complete',
        compiled.mappingErrors.map((e) => ({ path: `mapping.${e.field ?? ''}`, message: e.message })),
      );
    }
    if (options.logins === 'group-password') await loginSettings(tx, ctx.scopeId, options);
    const groups = await knownGroups(tx, ctx.scopeId);
    const unknown = options.customerGroups.filter((k) => !groups.has(k.toLowerCase()));
    if (unknown.length) {
      throw unprocessable(`No customer group ${unknown.join(', ')}`, [
        { path: 'options.customerGroups', message: `Unknown: ${unknown.join(', ')}` },
      ]);
    }
    const scheduledAt = pass === 'run' && options.scheduledAt ? new Date(options.scheduledAt) : null;
    const later = scheduledAt && scheduledAt.getTime() > Date.now() ? scheduledAt : null;
    await tx.deleteFrom('import_rejections').where('import_id', '=', id).execute();
    await dropStage(tx, id);
    const started = await tx
      .updateTable('imports')
      .set({
        status: later ? 'scheduled' : pass === 'run' ? 'running' : 'checking',
        pass,
        phase: 'staging',
        counts: JSON.stringify(ZERO),
        rows_read: 0,
        applied_line: 0,
        rows_applied: 0,
        cancel_requested: false,
        lease_until: null,
        error: null,
        scheduled_at: later,
        pass_started_at: later ?? new Date(),
        ...(pass === 'run' && { started_at: later ?? new Date() }),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await sql`INSERT INTO import_mappings (scope_id, type, source_name, mapping)
      VALUES (${ctx.scopeId}, ${current.type}, ${current.source_name}, ${JSON.stringify(mapping)})
      ON CONFLICT (scope_id, type, lower(source_name)) DO UPDATE SET mapping = EXCLUDED.mapping, updated_at = now()`.execute(
      tx,
    );
    await deps.jobs.send(runImportQueue, { importId: id }, { db: tx, ...(later && { startAfter: later }) });
    return started;
  });
  return toImport(row, false, await attributeTargets(deps.db, ctx.scopeId, row.type));
}

export async function cancelImport(db: Db, ctx: RequestContext, id: string): Promise<Import> {
  assertCan(ctx, 'imports.run');
  const row = await db.transaction().execute(async (tx) => {
    const current = await tx
      .selectFrom('imports')
      .selectAll()
      .where('id', '=', id)
      .where('scope_id', '=', ctx.scopeId)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw notFound('The import');
    if (['completed', 'failed', 'cancelled'].includes(current.status)) {
      throw conflict(`This import is already ${current.status}`);
    }
    const working =
      (current.status === 'checking' || current.status === 'running') &&
      current.lease_until !== null &&
      current.lease_until.getTime() > Date.now();
    // A worker holding the import stops at its next batch; otherwise nobody is working on it: end it now.
    if (working) {
      return tx
        .updateTable('imports')
        .set({ cancel_requested: true, updated_at: new Date() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
    }
    await dropStage(tx, id);
    await deleteFile(tx, id);
    return tx
      .updateTable('imports')
      .set({
        status: 'cancelled',
        phase: null,
        lease_until: null,
        finished_at: new Date(),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
  return toImport(row, false, await attributeTargets(db, ctx.scopeId, row.type));
}

/**
 * The report's rows in line order, one per rejected line: its columns and reasons joined, then the cells
 * of the row as it was in the file.
 */
export async function* rejectionRows(db: Db, ctx: RequestContext, id: string): AsyncGenerator<string[]> {
  assertCan(ctx, 'imports.read');
  await loadRow(db, ctx, id);
  let after = { line: 0, id: '0' };
  let current: { line: number; columns: string[]; reasons: string[]; cells: string[] | null } | null = null;
  const done = (r: NonNullable<typeof current>) => [
    String(r.line),
    [...new Set(r.columns)].join('; '),
    r.reasons.join('; '),
    ...(r.cells ?? []),
  ];
  for (;;) {
    const rows = await db
      .selectFrom('import_rejections')
      .selectAll()
      .where('import_id', '=', id)
      .where(sql<boolean>`(line, id) > (${after.line}, ${after.id}::bigint)`)
      .orderBy('line')
      .orderBy('id')
      .limit(2000)
      .execute();
    for (const r of rows) {
      if (current && current.line !== r.line) {
        yield done(current);
        current = null;
      }
      current ??= { line: r.line, columns: [], reasons: [], cells: null };
      if (r.column_name) current.columns.push(r.column_name);
      current.reasons.push(r.reason);
      current.cells ??= r.cells;
    }
    const last = rows.at(-1);
    if (!last || rows.length < 2000) break;
    after = { line: last.line, id: String(last.id) };
  }
  if (current) yield done(current);
}

/** The generated passwords, handed out once: reading them deletes them. */
export async function takeCredentials(
  db: Db,
  ctx: RequestContext,
  id: string,
): Promise<{ email: string; password: string }[]> {
  assertCan(ctx, 'imports.run');
  await loadRow(db, ctx, id);
  const rows = await db
    .deleteFrom('import_credentials')
    .where('import_id', '=', id)
    .returning(['email', 'password'])
    .execute();
  if (!rows.length) throw notFound('The generated passwords (they can be downloaded only once)');
  return rows.sort((a, b) => a.email.localeCompare(b.email));
}
