import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../db/client.ts';

/** Who an import acts as, for the audit rows it writes set-based. */
export type AuditActor = { type: string; id: string | null; label: string };

export type Compared = { key: string; old: string; new: string };

/** A jsonb object of the compared fields that differ, from the old (`side = 'old'`) or new values. */
export function diffJson(fields: readonly Compared[], side: 'old' | 'new'): RawBuilder<unknown> {
  const values = sql.join(
    fields.map((f) => sql`(${f.key}, to_jsonb(${sql.ref(f.old)}), to_jsonb(${sql.ref(f.new)}))`),
  );
  return sql`(SELECT jsonb_object_agg(v.k, ${sql.raw(side === 'old' ? 'v.o' : 'v.n')})
    FROM (VALUES ${values}) AS v(k, o, n) WHERE v.o IS DISTINCT FROM v.n)`;
}

/** True when any compared field would change. */
export function differs(fields: readonly Compared[]): RawBuilder<boolean> {
  return sql<boolean>`(${sql.join(fields.map((f) => sql.ref(f.old)))}) IS DISTINCT FROM (${sql.join(
    fields.map((f) => sql.ref(f.new)),
  )})`;
}

export function auditRows(
  importId: string,
  actor: AuditActor,
  action: string,
  entityType: string,
  from: string,
  entityId: string,
  before: RawBuilder<unknown> | null,
  after: RawBuilder<unknown>,
): RawBuilder<unknown> {
  return sql`INSERT INTO audit_log
      (actor_type, actor_id, actor_label, source, action, entity_type, entity_id, before, after, import_id)
    SELECT ${actor.type}, ${actor.id}, ${actor.label}, 'import', ${action}, ${entityType}, ${sql.ref(entityId)}::text,
      ${before ?? sql`NULL::jsonb`}, ${after}, ${importId}::uuid
    FROM ${sql.table(from)}`;
}

/** `WITH a AS (…), b AS (…) <final>`: the statement shape every apply step uses. */
export type Cte = [
  name: string,
  body: RawBuilder<unknown> | null,
  materialized?: 'materialized' | 'not materialized',
];
export function withCtes(ctes: Cte[], final: RawBuilder<unknown>) {
  const present = ctes.filter((c) => c[1] !== null);
  // MATERIALIZED: a CTE that draws random ids or sequence numbers must do so once per row. NOT MATERIALIZED:
  // a filter over one that is, read a few times, rather than a copy of its rows.
  const parts = present.map(
    ([name, body, m]) => sql`${sql.ref(name)} AS ${sql.raw(m ? `${m.toUpperCase()} ` : '')}(${body})`,
  );
  return sql`WITH ${sql.join(parts)} ${final}`;
}

/**
 * Fills the stage's `account_id` from the account number (else code) each row names, for the rows still
 * without one: two hash joins. (A per-row subquery in a join condition made the planner loop over
 * every account for every row.)
 */
export async function resolveAccounts(
  db: Executor,
  stage: RawBuilder<unknown>,
  scopeId: string,
  where: RawBuilder<unknown>,
) {
  await sql`UPDATE ${stage} s SET account_id = a.id FROM accounts a
    WHERE ${where} AND s.account_id IS NULL AND s.account_number IS NOT NULL
      AND a.scope_id = ${scopeId} AND lower(a.number) = lower(s.account_number)`.execute(db);
  await sql`UPDATE ${stage} s SET account_id = a.id FROM accounts a
    WHERE ${where} AND s.account_id IS NULL AND s.account_number IS NULL AND s.account_code IS NOT NULL
      AND a.scope_id = ${scopeId} AND lower(a.code) = lower(s.account_code)`.execute(db);
}

/** Individuals: the personal account is the primary account of the row's contact. */
export async function resolvePersonalAccounts(
  db: Executor,
  stage: RawBuilder<unknown>,
  scopeId: string,
  where: RawBuilder<unknown>,
) {
  await sql`UPDATE ${stage} s SET account_id = ca.account_id
    FROM contacts c JOIN contact_accounts ca ON ca.contact_id = c.id AND ca.is_primary
    WHERE ${where} AND s.account_id IS NULL AND c.scope_id = ${scopeId} AND lower(c.email) = lower(s.email)`.execute(
    db,
  );
}
