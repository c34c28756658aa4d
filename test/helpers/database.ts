import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';
import { openDatabase, pgliteExtensions, type Database } from '../../src/server/db/client.ts';
import { withDatabase } from './global-setup.ts';
import { recordStatement } from './statements.ts';

/**
 * A fresh, migrated database of its own for the calling test file: PGlite, or PostgreSQL when DATABASE_URL is
 * set. Its statements can be counted with `countStatements`.
 */
export async function freshDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  const template = inject('postgresTemplate');
  if (url && template) {
    const name = `clientele_t_${template.split('_')[2]}_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    } finally {
      await admin.end();
    }
    const database = await openDatabase({
      databaseUrl: withDatabase(url, name),
      poolSize: 12,
      onStatement: recordStatement,
    });
    return {
      ...database,
      close: async () => {
        await database.close();
        const cleanup = new pg.Client({ connectionString: url });
        await cleanup.connect();
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await cleanup.end();
      },
    };
  }
  const file = inject('pgliteTemplate');
  const client = await PGlite.create({
    loadDataDir: new Blob([fs.readFileSync(file)]),
    extensions: pgliteExtensions,
  });
  return openDatabase({ pglite: client, onStatement: recordStatement });
}
