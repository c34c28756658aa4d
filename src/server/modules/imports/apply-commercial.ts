import { sql, type RawBuilder } from 'kysely';
import type { CommercialImportType } from '../../../contracts/import-fields.ts';
import type { Executor } from '../../db/client.ts';
import type { ApplyEnv, ChunkResult, LineOutcome } from './apply.ts';
import { auditRows, diffJson, differs, withCtes, type Compared } from './apply-sql.ts';
import { stageTable } from './stage.ts';

type Range = { lo: number; hi: number };

const FIELDS: Compared[] = [
  { key: 'name', old: 'o_name', new: 'n_name' },
  { key: 'active', old: 'o_active', new: 'n_active' },
];

/** The audit entity of each list, as the commercial-terms API writes it. */
const ENTITY: Record<CommercialImportType, string> = {
  'payment-terms': 'payment_terms',
  'price-groups': 'price_group',
  'sales-reps': 'sales_rep',
};

/**
 * Records the codes of a line range in their list: a new code is added (active unless the row says
 * otherwise), a known one updated where its name or active flag differ (an empty cell keeps the stored
 * value), the same one left alone, so a second run writes nothing. Audited as the API audits them.
 */
function commercialStatement(env: ApplyEnv, list: CommercialImportType, range: Range): RawBuilder<unknown> {
  const stage = stageTable(env.importId);
  const write = !env.dryRun;
  const entity = ENTITY[list];
  const src = sql`SELECT s.line, s.list_code AS code, k.code AS existing,
      k.name AS o_name, coalesce(s.list_name, k.name) AS n_name,
      k.active AS o_active, coalesce(s.list_active::boolean, k.active, true) AS n_active
    FROM ${stage} s
    LEFT JOIN commercial_codes k ON k.scope_id = ${env.scopeId} AND k.list = ${list} AND k.code = s.list_code
    WHERE s.line > ${range.lo} AND s.line <= ${range.hi}`;
  return withCtes(
    [
      ['src', src, 'materialized'],
      ['changed', sql`SELECT * FROM src WHERE existing IS NOT NULL AND ${differs(FIELDS)}`],
      [
        'upd',
        write
          ? sql`UPDATE commercial_codes k SET name = c.n_name, active = c.n_active, updated_at = now()
              FROM changed c WHERE k.scope_id = ${env.scopeId} AND k.list = ${list} AND k.code = c.code`
          : null,
      ],
      [
        'aud_u',
        write
          ? auditRows(
              env.importId,
              env.actor,
              `${entity}.updated`,
              entity,
              'changed',
              'code',
              diffJson(FIELDS, 'old'),
              diffJson(FIELDS, 'new'),
            )
          : null,
      ],
      ['fresh', sql`SELECT * FROM src WHERE existing IS NULL`],
      [
        'ins',
        write
          ? sql`INSERT INTO commercial_codes (scope_id, list, code, name, active)
              SELECT ${env.scopeId}, ${list}, code, n_name, n_active FROM fresh`
          : null,
      ],
      [
        'aud_i',
        write
          ? auditRows(
              env.importId,
              env.actor,
              `${entity}.created`,
              entity,
              'fresh',
              'code',
              null,
              sql`jsonb_build_object('code', code, 'name', n_name, 'active', n_active)`,
            )
          : null,
      ],
    ],
    sql`SELECT line, 'created' AS outcome FROM fresh UNION ALL SELECT line, 'updated' AS outcome FROM changed`,
  );
}

/** Applies the staged codes of one line range: one statement; the caller owns the transaction. */
export async function applyCommercialChunk(
  db: Executor,
  env: ApplyEnv,
  list: CommercialImportType,
  range: Range,
): Promise<ChunkResult> {
  const { rows } = await commercialStatement(env, list, range).execute(db);
  const outcomes = new Map<number, LineOutcome>();
  for (const { line, outcome } of rows as { line: number; outcome: LineOutcome }[])
    outcomes.set(line, outcome);
  return { outcomes, createdContacts: [] };
}
