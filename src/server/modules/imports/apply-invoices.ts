import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../db/client.ts';
import type { ApplyEnv, ChunkResult, LineOutcome } from './apply.ts';
import { auditRows, diffJson, differs, resolveAccounts, withCtes, type Compared } from './apply-sql.ts';
import { stageTable } from './stage.ts';

type Range = { lo: number; hi: number };

const FIELDS: Compared[] = [
  { key: 'date', old: 'o_date', new: 'n_date' },
  { key: 'amount', old: 'o_amount', new: 'n_amount' },
  { key: 'currency', old: 'o_currency', new: 'n_currency' },
];

/**
 * Records the invoices of a line range by number (in any case): a new number is inserted, a known one
 * updated where its date, amount or currency differ (an empty cell keeps the stored value), the same one
 * left alone — so a second run of a file writes nothing. Audited as the invoices API audits them.
 */
function invoicesStatement(env: ApplyEnv, range: Range): RawBuilder<unknown> {
  const stage = stageTable(env.importId);
  const write = !env.dryRun;
  const src = sql`SELECT s.line, s.account_id, a.number AS account_number, s.invoice_number, i.id AS existing_id,
      i.date AS o_date, coalesce(s.invoice_date::date, i.date) AS n_date,
      i.amount AS o_amount, coalesce(s.invoice_amount::numeric(14, 2), i.amount) AS n_amount,
      i.currency AS o_currency, coalesce(s.invoice_currency, i.currency) AS n_currency
    FROM ${stage} s
    JOIN accounts a ON a.id = s.account_id
    LEFT JOIN LATERAL (SELECT * FROM invoices i WHERE i.scope_id = ${env.scopeId}
      AND lower(i.number) = lower(s.invoice_number) LIMIT 1) i ON true
    WHERE s.line > ${range.lo} AND s.line <= ${range.hi}`;
  return withCtes(
    [
      ['src', src, 'materialized'],
      ['changed', sql`SELECT * FROM src WHERE existing_id IS NOT NULL AND ${differs(FIELDS)}`],
      [
        'upd',
        write
          ? sql`UPDATE invoices i SET date = c.n_date, amount = c.n_amount, currency = c.n_currency, updated_at = now()
              FROM changed c WHERE i.id = c.existing_id`
          : null,
      ],
      [
        'aud_u',
        write
          ? auditRows(
              env.importId,
              env.actor,
              'invoice.updated',
              'invoice',
              'changed',
              'existing_id',
              diffJson(FIELDS, 'old'),
              diffJson(FIELDS, 'new'),
            )
          : null,
      ],
      [
        'fresh',
        write
          ? sql`SELECT src.*, gen_random_uuid() AS new_id FROM src WHERE existing_id IS NULL`
          : sql`SELECT src.* FROM src WHERE existing_id IS NULL`,
        'materialized',
      ],
      [
        'ins',
        write
          ? sql`INSERT INTO invoices (id, scope_id, account_id, number, date, amount, currency)
              SELECT new_id, ${env.scopeId}, account_id, invoice_number, n_date, n_amount, n_currency FROM fresh`
          : null,
      ],
      [
        'aud_i',
        write
          ? auditRows(
              env.importId,
              env.actor,
              'invoice.created',
              'invoice',
              'fresh',
              'new_id',
              null,
              sql`jsonb_build_object('number', invoice_number, 'accountId', account_id, 'accountNumber', account_number,
                'date', n_date, 'amount', n_amount, 'currency', n_currency)`,
            )
          : null,
      ],
    ],
    sql`SELECT line, 'created' AS outcome FROM fresh UNION ALL SELECT line, 'updated' AS outcome FROM changed`,
  );
}

/** Applies the staged invoice rows of one line range; the caller owns the transaction. */
export async function applyInvoiceChunk(db: Executor, env: ApplyEnv, range: Range): Promise<ChunkResult> {
  // The account each row names, by number or else code (prepare rejected rows naming none that exists).
  await resolveAccounts(
    db,
    stageTable(env.importId),
    env.scopeId,
    sql`s.line > ${range.lo} AND s.line <= ${range.hi}`,
  );
  const { rows } = await invoicesStatement(env, range).execute(db);
  const outcomes = new Map<number, LineOutcome>();
  for (const { line, outcome } of rows as { line: number; outcome: LineOutcome }[])
    outcomes.set(line, outcome);
  return { outcomes, createdContacts: [] };
}
