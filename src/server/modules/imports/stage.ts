import { sql, type RawBuilder } from 'kysely';
import { IMPORT_FIELDS, type CellError, type ImportField } from '../../../contracts/imports.ts';
import type { Executor } from '../../db/client.ts';
import type { RowAttributes, RowValues } from './row-validator.ts';

const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
// The invoice fields keep a prefix in the stage: `number` and `date` alone would read as account fields.
const PREFIXED: Partial<Record<ImportField, string>> = {
  number: 'invoice_number',
  date: 'invoice_date',
  amount: 'invoice_amount',
  currency: 'invoice_currency',
  // The commercial lists' fields, for the same reason.
  code: 'list_code',
  name: 'list_name',
  active: 'list_active',
};
export const COLUMN: Record<ImportField, string> = Object.fromEntries(
  IMPORT_FIELDS.map((f) => [f, PREFIXED[f] ?? snake(f)]),
) as Record<ImportField, string>;

/** One staging table per import: its rows are loaded fast, worked on with set-based SQL, dropped at once. */
export const stageTable = (importId: string) => sql.table(`import_stage_${importId.replace(/-/g, '')}`);
export const col = (field: ImportField) => sql.ref(`s.${COLUMN[field]}`);

// UNLOGGED: no WAL for rows that live minutes. A database crash empties such a table; the runner
// notices (stageLost) and stages the file again, so nothing is lost either way.
export async function createStage(db: Executor, importId: string): Promise<void> {
  const columns = IMPORT_FIELDS.map((f) => `${COLUMN[f]} text`).join(', ');
  await sql`CREATE UNLOGGED TABLE IF NOT EXISTS ${stageTable(importId)} (
    line integer NOT NULL,
    ${sql.raw(columns)},
    account_id uuid,
    owner boolean NOT NULL DEFAULT true,
    account_attributes jsonb,
    contact_attributes jsonb
  )`.execute(db);
}

/** Indexed once the whole file is in: cheaper than keeping an index up to date row by row. */
export async function indexStage(db: Executor, importId: string): Promise<void> {
  const name = `import_stage_${importId.replace(/-/g, '')}_line`;
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS ${sql.ref(name)} ON ${stageTable(importId)} (line)`.execute(db);
  // Statistics, so a range of lines is known to be a few thousand rows: without them the planner
  // may hash-join each range against the whole contacts table instead of probing its index.
  await sql`ANALYZE ${stageTable(importId)}`.execute(db);
}

/** Whether the stage holds any row (false too when the table is missing). */
export async function stageHasRows(db: Executor, importId: string): Promise<boolean> {
  const name = `import_stage_${importId.replace(/-/g, '')}`;
  const { rows } = await sql<{
    present: string | null;
  }>`SELECT to_regclass(${name})::text AS present`.execute(db);
  if (!rows[0]?.present) return false;
  const any = await sql`SELECT 1 FROM ${stageTable(importId)} LIMIT 1`.execute(db);
  return any.rows.length > 0;
}

export async function dropStage(db: Executor, importId: string): Promise<void> {
  await sql`DROP TABLE IF EXISTS ${stageTable(importId)}`.execute(db);
}

/** A row's custom attribute values go to `account_attributes` and `contact_attributes` (jsonb, null when none). */
export type StagedRow = { line: number; values: RowValues; attributes?: RowAttributes | undefined };
export type RejectedRow = { line: number; cells: readonly string[]; errors: CellError[] };

/** Inserts a batch with one statement of arrays: one round trip whatever the batch size, on both engines. */
export async function insertStageRows(
  db: Executor,
  importId: string,
  fields: readonly ImportField[],
  rows: readonly StagedRow[],
): Promise<void> {
  if (!rows.length) return;
  const unique = [...new Set(fields)];
  const arrays: RawBuilder<unknown>[] = [sql`${rows.map((r) => r.line)}::integer[]`];
  for (const field of unique) arrays.push(sql`${rows.map((r) => r.values[field] ?? null)}::text[]`);
  const names = ['line', ...unique.map((f) => COLUMN[f])].map((n) => sql.ref(n));
  if (rows.some((r) => r.attributes)) {
    for (const entity of ['account', 'contact'] as const) {
      const json = rows.map((r) => {
        const values = r.attributes?.[entity];
        return values ? JSON.stringify(values) : null;
      });
      arrays.push(sql`${json}::jsonb[]`);
      names.push(sql.ref(`${entity}_attributes`));
    }
  }
  await sql`INSERT INTO ${stageTable(importId)} (${sql.join(names)})
    SELECT * FROM unnest(${sql.join(arrays)})`.execute(db);
}

export async function insertRejections(
  db: Executor,
  importId: string,
  rows: readonly RejectedRow[],
): Promise<void> {
  const flat = rows.flatMap((r) => r.errors.map((e) => ({ line: r.line, e, cells: r.cells })));
  if (!flat.length) return;
  await sql`INSERT INTO import_rejections (import_id, line, column_name, reason, cells)
    SELECT ${importId}::uuid, * FROM unnest(
      ${flat.map((f) => f.line)}::integer[],
      ${flat.map((f) => f.e.column)}::text[],
      ${flat.map((f) => (f.e.field && !f.e.column ? `${f.e.field}: ${f.e.message}` : f.e.message))}::text[],
      ${flat.map((f, i) => (i > 0 && flat[i - 1]!.line === f.line ? null : JSON.stringify(f.cells)))}::jsonb[]
    )`.execute(db);
}
