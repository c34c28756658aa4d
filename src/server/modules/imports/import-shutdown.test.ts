import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Import } from '../../../contracts/imports.ts';
import { openDatabase } from '../../db/client.ts';
import { withDatabase } from '../../../../test/helpers/global-setup.ts';

const ROWS = 20_000;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-shutdown-'));
const baseUrl = process.env.DATABASE_URL;
const dbName = `clientele_shutdown_${randomBytes(5).toString('hex')}`;
// A port of this file's own (4300–4399), different per run so a leftover server cannot answer.
const port = 4320 + Math.floor(Math.random() * 40);
const origin = `http://127.0.0.1:${port}`;
const ADMIN = { email: 'stop@example.com', password: 'shutdown-test-password' };
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  PORT: String(port),
  HOST: '127.0.0.1',
  PUBLIC_URL: origin,
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
  LOG_LEVEL: 'warn',
  ...(baseUrl
    ? { DATABASE_URL: withDatabase(baseUrl, dbName) }
    : { DATABASE_URL: '', DATA_DIR: path.join(work, 'data') }),
};

type Server = {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: string | null }>;
  out: () => string;
};

function startServer(): Server {
  const child = spawn(process.execPath, ['bin/clientele.js', 'serve'], { env });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, out: () => out };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (polling) until `check` returns a value; gives up after `attempts`. */
async function until<T>(check: () => Promise<T | undefined>, attempts = 600): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await pause(200);
  }
  throw new Error('gave up waiting');
}

/** SIGTERM, and the exit it leads to; a process still there after 20 s is killed and reported. */
async function stop(server: Server) {
  server.child.kill('SIGTERM');
  const timeout = pause(20_000).then(() => 'still running' as const);
  const result = await Promise.race([server.exited, timeout]);
  if (result === 'still running') server.child.kill('SIGKILL');
  return result;
}

let cookie = '';
const api = (url: string, init: RequestInit = {}) =>
  fetch(`${origin}${url}`, { ...init, headers: { cookie, ...(init.headers as Record<string, string>) } });

async function signIn() {
  const res = await until(async () => {
    const r = await fetch(`${origin}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    return r.status === 200 ? r : undefined;
  });
  cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

const importOf = async (id: string) => (await (await api(`/api/imports/${id}`)).json()) as Import;

const servers: Server[] = [];
beforeAll(async () => {
  if (baseUrl) {
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
  }
});
afterAll(async () => {
  for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  if (baseUrl) {
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
  fs.rmSync(work, { recursive: true, force: true });
});

describe('SIGTERM during a large import', () => {
  it('exits by itself with code 0, and the next start finishes the import with exact counts', async () => {
    const first = startServer();
    servers.push(first);
    await signIn();
    const account = await api('/api/accounts', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'business', name: 'Stop & Go', number: 'STOP1' }),
    });
    expect(account.status).toBe(201);
    const lines = Array.from({ length: ROWS }, (_, i) => `s${i}@stop.example,First${i},Last${i},STOP1`);
    const form = new FormData();
    form.append('type', 'contacts');
    form.append('options', JSON.stringify({ logins: 'none' }));
    form.append(
      'file',
      new Blob([`email,first name,last name,account number\n${lines.join('\n')}\n`]),
      'contacts.csv',
    );
    const uploaded = await api('/api/imports', { method: 'POST', body: form });
    expect(uploaded.status, await uploaded.clone().text()).toBe(201);
    const { id } = (await uploaded.json()) as { id: string };
    expect((await api(`/api/imports/${id}/run`, { method: 'POST' })).status).toBe(202);

    // Stop it in the middle of applying: some ranges committed, most still to come.
    const midway = await until(async () => {
      const imp = await importOf(id);
      return imp.progress.phase === 'applying' && imp.progress.rowsApplied > 0 ? imp : undefined;
    }, 3000);
    expect(midway.progress.rowsApplied).toBeLessThan(ROWS);
    const exit = await stop(first);
    expect(exit, first.out()).toEqual({ code: 0, signal: null });
    expect(first.out()).not.toContain('exiting anyway');

    const second = startServer();
    servers.push(second);
    await signIn();
    const done = await until(async () => {
      const imp = await importOf(id);
      return ['completed', 'failed', 'cancelled'].includes(imp.status) ? imp : undefined;
    }, 3000);
    expect(done.status, done.error ?? '').toBe('completed');
    expect(done.counts).toEqual({ created: ROWS, updated: 0, unchanged: 0, rejected: 0 });
    expect(await stop(second)).toEqual({ code: 0, signal: null });

    const database = baseUrl
      ? await openDatabase({ databaseUrl: env.DATABASE_URL! })
      : await openDatabase({ dataDir: env.DATA_DIR! });
    try {
      const { rows } = await sql<{ contacts: number; links: number; audited: number }>`SELECT
          (SELECT count(DISTINCT lower(email))::int FROM contacts WHERE email LIKE '%@stop.example') AS contacts,
          (SELECT count(*)::int FROM contact_accounts ca JOIN contacts c ON c.id = ca.contact_id
            WHERE c.email LIKE '%@stop.example') AS links,
          (SELECT count(*)::int FROM audit_log WHERE import_id = ${id} AND action = 'contact.created') AS audited`.execute(
        database.db,
      );
      // Every row once: nothing lost at the stop, nothing applied twice after it.
      expect(rows[0]).toEqual({ contacts: ROWS, links: ROWS, audited: ROWS });
    } finally {
      await database.close();
    }
  }, 900_000);
});
