import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../db/client.ts';
import { withDatabase } from '../../../../test/helpers/global-setup.ts';

const ROWS = 100_000;
const ACCOUNTS = 1_000;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-crash-'));
const file = path.join(work, 'contacts.csv');
const baseUrl = process.env.DATABASE_URL;
const dbName = `clientele_crash_${randomBytes(5).toString('hex')}`;
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  IMPORT_BATCH_ROWS: '2000',
  IMPORT_LEASE_SECONDS: '2',
  LOG_LEVEL: 'silent',
  ...(baseUrl
    ? { DATABASE_URL: withDatabase(baseUrl, dbName) }
    : { DATABASE_URL: '', DATA_DIR: path.join(work, 'data') }),
};

type Run = { code: number | null; signal: string | null; out: string; id: string | null };

/** Runs the CLI; `killWhen` sees each output line and may ask for a kill -9 there. */
function clientele(args: string[], killWhen?: (line: string) => boolean): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/clientele.js', ...args], { env });
    let out = '';
    let id: string | null = null;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (out += d));
    child.stdout.on('data', (d: string) => {
      out += d;
      for (const line of d.split('\n')) {
        id ??= /^Import ([0-9a-f-]{36})/.exec(line)?.[1] ?? null;
        if (killWhen?.(line)) child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => resolve({ code, signal, out, id }));
  });
}

/** After a kill -9 the embedded database's lock goes stale only after a while: try again until it does. */
async function resume(id: string, killWhen?: (line: string) => boolean): Promise<Run> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const run = await clientele(['import', '--resume', id], killWhen);
    if (!/in use by another Clientele process/.test(run.out)) return run;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error('the data directory stayed locked');
}

const count = (line: string, what: 'read' | 'written') =>
  Number(new RegExp(`${what}=(\\d+)`).exec(line)?.[1] ?? 0);

let db: Database | null = null;
beforeAll(async () => {
  const lines = ['Account Number,Company,Email,First Name,Last Name'];
  for (let i = 0; i < ROWS; i++)
    lines.push(`CR${i % ACCOUNTS},Company ${i % ACCOUNTS},p${i}@crash.example,First${i},Last${i}`);
  fs.writeFileSync(file, lines.join('\n'));
  if (baseUrl) {
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
  }
});
afterAll(async () => {
  await db?.close();
  if (baseUrl) {
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
  fs.rmSync(work, { recursive: true, force: true });
});

describe('an import killed with kill -9', () => {
  it('resumes where it stopped, twice, with no row lost and none applied twice', async () => {
    const first = await clientele(
      ['import', file, '--type', 'mixed', '--options', '{"logins":"none"}'],
      (line) => count(line, 'read') >= 20_000,
    );
    expect(first.signal, first.out).toBe('SIGKILL');
    expect(first.id).not.toBeNull();
    const id = first.id!;

    const second = await resume(id, (line) => count(line, 'written') >= 20_000);
    expect(second.signal, second.out).toBe('SIGKILL');

    const last = await resume(id);
    expect(last.code, last.out).toBe(0);
    expect(last.out).toContain(`completed: ${ROWS} created, 0 updated, 0 unchanged, 0 rejected`);

    db = baseUrl
      ? await openDatabase({ databaseUrl: env.DATABASE_URL! })
      : await openDatabase({ dataDir: env.DATA_DIR! });
    const q = async (query: ReturnType<typeof sql<{ n: number }>>) =>
      (await query.execute(db!.db)).rows[0]!.n;
    expect(await q(sql`SELECT count(*)::int AS n FROM contacts WHERE email LIKE '%@crash.example'`)).toBe(
      ROWS,
    );
    expect(
      await q(
        sql`SELECT count(DISTINCT lower(email))::int AS n FROM contacts WHERE email LIKE '%@crash.example'`,
      ),
    ).toBe(ROWS);
    expect(await q(sql`SELECT count(*)::int AS n FROM accounts WHERE number LIKE 'CR%'`)).toBe(ACCOUNTS);
    expect(
      await q(sql`SELECT count(*)::int AS n FROM contact_accounts ca JOIN contacts c ON c.id = ca.contact_id
        WHERE c.email LIKE '%@crash.example'`),
    ).toBe(ROWS);
    // Every row's change was written once: one audit entry per created contact and account.
    expect(
      await q(
        sql`SELECT count(*)::int AS n FROM audit_log WHERE import_id = ${id} AND action = 'contact.created'`,
      ),
    ).toBe(ROWS);
    expect(
      await q(
        sql`SELECT count(*)::int AS n FROM audit_log WHERE import_id = ${id} AND action = 'account.created'`,
      ),
    ).toBe(ACCOUNTS);
    const stages = await q(
      sql`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'import_stage_%'`,
    );
    expect(stages).toBe(0);
  }, 900_000);
});
