import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../../test/helpers/database.ts';
import type { Database } from './client.ts';
import { statement } from './statements.ts';

describe('statements compiled once', () => {
  let database: Database;
  beforeAll(async () => {
    database = await freshDatabase();
    await database.db
      .insertInto('roles')
      .values([
        { key: 'buyer', name: 'Buyer', description: 'buys' },
        { key: 'approver', name: 'Approver', description: null },
      ])
      .execute();
  });
  afterAll(() => database.close());

  // A constant of the query ('buyer' as a fallback) stays; the named parameters change per call.
  const roleByKey = statement((db, p: { key: string }) =>
    db
      .selectFrom('roles')
      .select(['key', 'name', sql<string>`coalesce(description, ${'none'})`.as('description')])
      .where('key', '=', p.key),
  );

  it('binds each call its own values, and keeps the constants of the query', async () => {
    const { db } = database;
    expect(await roleByKey(db, { key: 'buyer' })).toEqual([
      { key: 'buyer', name: 'Buyer', description: 'buys' },
    ]);
    expect(await roleByKey(db, { key: 'approver' })).toEqual([
      { key: 'approver', name: 'Approver', description: 'none' },
    ]);
    expect(await roleByKey(db, { key: 'nobody' })).toEqual([]);
  });

  it.runIf(!!process.env.DATABASE_URL)(
    'is prepared once per PostgreSQL connection, by name, and then only run',
    async () => {
      // One transaction: one connection, whose prepared statements PostgreSQL lists.
      const prepared = await database.db.transaction().execute(async (tx) => {
        for (const key of ['buyer', 'approver', 'buyer']) await roleByKey(tx, { key });
        return (
          await sql<{
            name: string;
            statement: string;
          }>`SELECT name, statement FROM pg_prepared_statements`.execute(tx)
        ).rows;
      });
      const ours = prepared.filter((p) => p.statement.includes('from "roles"'));
      expect(ours).toHaveLength(1);
      expect(ours[0]!.name).toMatch(/^clt_\d+$/);
    },
  );
});
