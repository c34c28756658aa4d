// A PostgreSQL database of a bench's own, on the server DATABASE_URL names (the local one by default).
import pg from 'pg';

export const postgresServerUrl = (): string =>
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Drops and creates the database `name` on the server at `base` (kept as it is when `reuse` and it exists);
 * returns its URL, whether it existed, and the server's version.
 */
export async function benchDatabase(
  name: string,
  options: { base?: string; reuse?: boolean } = {},
): Promise<{ url: string; existed: boolean; version: string }> {
  const base = options.base ?? postgresServerUrl();
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    const existed =
      (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
    if (!options.reuse || !existed) {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
    }
    const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!
      .server_version;
    const url = new URL(base);
    url.pathname = `/${name}`;
    return { url: url.toString(), existed, version };
  } finally {
    await admin.end();
  }
}
