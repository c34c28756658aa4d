import { sql, type Compilable, type RawBuilder } from 'kysely';

/** One write of a chain: a data-modifying CTE that the writes after it may read by `name` (its RETURNING). */
export type ChainedWrite = { name: string; query: Compilable | RawBuilder<unknown> };

/**
 * Several writes as one statement, each a data-modifying CTE: one round trip instead of one per write.
 * PostgreSQL runs every one of them to completion whether or not anything reads it, all see the same
 * snapshot, and foreign keys between them are checked when the statement ends.
 */
export function writeChain(writes: ChainedWrite[]): RawBuilder<unknown> {
  if (!writes.length) throw new Error('A chain of writes needs at least one write');
  return sql`WITH ${sql.join(
    writes.map((w) => sql`${sql.id(w.name)} AS (${w.query})`),
    sql`, `,
  )} SELECT 1`;
}
