// `npm run bench -- api`: creating and reading contacts through the API with an API key, beside floors
// measured in the same run: a bare Fastify server doing one primary-key select (reads), and the same rows a
// create writes inserted by a plain client in one transaction each (creates). On PostgreSQL when
// DATABASE_URL is set (a fresh database BENCH_DB, default clientele_bench_api, on that server), else on
// the embedded database. Optional: VENDURE_URL (+ VENDURE_USER, VENDURE_PASSWORD) for Vendure's createCustomer.
import { benchDatabase } from './bench-database.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/server/db/client.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CREATE_CLIENTS = 8;
const READ_CLIENTS = 16;
const PORT = Number(process.env.BENCH_PORT ?? 7400);
const ADMIN_EMAIL = 'api@bench.example';
const ADMIN_PASSWORD = 'api-bench-password';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Reply = { status: number; body: string; headers: http.IncomingHttpHeaders };

/** A keep-alive HTTP client for one base URL, as many sockets as clients. */
function clientFor(baseUrl: string, sockets: number, headers: Record<string, string> = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  return (method: string, url: string, body?: unknown, extra: Record<string, string> = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        `${baseUrl}${url}`,
        {
          method,
          agent,
          headers: {
            ...headers,
            ...extra,
            ...(payload && {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(payload),
            }),
          },
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (data += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data, headers: res.headers }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
}

/** `clients` loops doing `one` for SECONDS; operations per second that succeeded, and failures. */
async function measure(clients: number, one: (i: number) => Promise<boolean>) {
  const end = performance.now() + SECONDS * 1000;
  let ok = 0;
  let failed = 0;
  let n = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end)
        if (await one(n++).catch(() => false)) ok++;
        else failed++;
    }),
  );
  return { perSecond: ok / ((performance.now() - started) / 1000), failed };
}

function spawnChild(args: string[], env: Record<string, string | undefined>): ChildProcess {
  return spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitFor(url: string, child: ChildProcess) {
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 300_000) throw new Error(`${url} did not answer within 300 s`);
    await sleep(100);
  }
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** A fresh database on DATABASE_URL's server, or a fresh embedded data directory. */
async function freshTarget(): Promise<{ env: Record<string, string>; label: string; cleanup(): void }> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-bench-api-'));
    return {
      env: { DATA_DIR: dataDir, DATABASE_URL: '' },
      label: 'embedded PGlite',
      cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = process.env.BENCH_DB ?? 'clientele_bench_api';
  const { url, version } = await benchDatabase(name, { base });
  return {
    env: { DATABASE_URL: url },
    label: `PostgreSQL ${version}, database ${name}`,
    cleanup: () => {},
  };
}

/** An API key (companyEdit + customerEdit) and an account, made through the API as an administrator. */
async function prepare(baseUrl: string) {
  const anonymous = clientFor(baseUrl, 1, { origin: baseUrl });
  const signIn = await anonymous('POST', '/api/session', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  if (signIn.status !== 200) throw new Error(`sign-in: ${signIn.status} ${signIn.body}`);
  const cookie = ([] as string[])
    .concat(signIn.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');
  const admin = clientFor(baseUrl, 1, { origin: baseUrl, cookie });
  const key = await admin('POST', '/api/api-keys', { name: 'Bench', roles: ['companyEdit', 'customerEdit'] });
  if (key.status !== 201) throw new Error(`api key: ${key.status} ${key.body}`);
  const account = await admin('POST', '/api/accounts', {
    kind: 'business',
    name: 'Bench Account',
    code: 'BENCH',
  });
  if (account.status !== 201) throw new Error(`account: ${account.status} ${account.body}`);
  return { key: JSON.parse(key.body).key as string, accountId: JSON.parse(account.body).id as string };
}

/** The rows one API create writes (contact, primary account link, audit row, event), one transaction each. */
async function rawCreate(database: Database, scopeId: string, accountId: string, i: number) {
  await database.db.transaction().execute(async (tx) => {
    const id = randomUUID();
    await sql`INSERT INTO contacts (id, scope_id, email, first_name, last_name, language, status)
      VALUES (${id}, ${scopeId}, ${`raw-${i}-${id}@bench.example`}, 'Raw', 'Floor', 'en', 'active')`.execute(
      tx,
    );
    await sql`INSERT INTO contact_accounts (contact_id, account_id, is_primary) VALUES (${id}, ${accountId}, true)`.execute(
      tx,
    );
    await sql`INSERT INTO audit_log (actor_type, actor_id, actor_label, source, action, entity_type, entity_id, after)
      VALUES ('apiKey', 'bench', 'Bench', 'api', 'contact.created', 'contact', ${id}, '{}'::jsonb)`.execute(
      tx,
    );
    await sql`INSERT INTO events (scope_id, type, account_id, data)
      VALUES (${scopeId}, 'contact.created', ${accountId}, ${JSON.stringify({ id })}::jsonb)`.execute(tx);
  });
  return true;
}

/** Vendure's createCustomer through its admin API, when VENDURE_URL is set. */
async function vendureCreates(): Promise<number | null> {
  const url = process.env.VENDURE_URL;
  if (!url) return null;
  const base = new URL(url);
  const client = clientFor(base.origin, CREATE_CLIENTS);
  const adminPath = base.pathname === '/' ? '/admin-api' : base.pathname;
  const login = await client('POST', adminPath, {
    query:
      'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { ... on CurrentUser { id } } }',
    variables: {
      u: process.env.VENDURE_USER ?? 'superadmin',
      p: process.env.VENDURE_PASSWORD ?? 'superadmin',
    },
  });
  const token = login.headers['vendure-auth-token'];
  if (typeof token !== 'string') throw new Error(`Vendure login: ${login.status} ${login.body}`);
  const run = await measure(CREATE_CLIENTS, async (i) => {
    const res = await client(
      'POST',
      adminPath,
      {
        query:
          'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { ... on Customer { id } } }',
        variables: {
          input: {
            emailAddress: `bench-${i}-${randomUUID()}@bench.example`,
            firstName: 'Ven',
            lastName: 'Dure',
          },
        },
      },
      { authorization: `Bearer ${token}` },
    );
    return res.status === 200 && res.body.includes('"id"');
  });
  return run.perSecond;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => n.toFixed(0).padStart(6);

export async function run(): Promise<void> {
  const target = await freshTarget();
  const onPostgres = 'DATABASE_URL' in target.env && target.env.DATABASE_URL !== '';
  console.log(
    `api bench on ${target.label}; ${ROUNDS} rounds of ${SECONDS} s per measurement; load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const baseUrl = `http://127.0.0.1:${PORT}`;
  const floorUrl = `http://127.0.0.1:${PORT + 1}`;
  const server = spawnChild(['bin/clientele.js', 'serve'], {
    ...target.env,
    PORT: String(PORT),
    HOST: '127.0.0.1',
    PUBLIC_URL: baseUrl,
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    LOG_LEVEL: 'warn',
  });
  let floor: ChildProcess | null = null;
  let direct: Database | null = null;
  try {
    await waitFor(`${baseUrl}/api/health`, server);
    const { key, accountId } = await prepare(baseUrl);
    const api = clientFor(baseUrl, READ_CLIENTS, { authorization: `Bearer ${key}` });
    const ids: string[] = [];
    const apiCreate = async (i: number) => {
      const res = await api('POST', '/api/contacts', {
        accountId,
        email: `api-${i}-${randomUUID()}@bench.example`,
        firstName: 'Api',
        lastName: 'Bench',
      });
      if (res.status !== 201) return false;
      if (ids.length < 10_000) ids.push(JSON.parse(res.body).id);
      return true;
    };
    const pick = () => ids[Math.floor(Math.random() * ids.length)]!;
    const apiRead = async () => (await api('GET', `/api/contacts/${pick()}`)).status === 200;
    const floorClient = clientFor(floorUrl, READ_CLIENTS);
    const floorRead = async () => (await floorClient('GET', `/contacts/${pick()}`)).status === 200;
    const startFloors = async () => {
      floor = spawnChild(['--import', 'tsx', 'bench/api-floor-server.ts'], {
        ...target.env,
        PORT: String(PORT + 1),
      });
      await waitFor(`${floorUrl}/contacts/${randomUUID()}`, floor);
      direct = await openDatabase(
        onPostgres
          ? { databaseUrl: target.env.DATABASE_URL!, poolSize: CREATE_CLIENTS }
          : { dataDir: target.env.DATA_DIR! },
      );
    };
    const scopeId = async () =>
      (await sql<{ id: string }>`SELECT id FROM scopes LIMIT 1`.execute(direct!.db)).rows[0]!.id;
    const results = {
      apiCreate: [] as number[],
      rawCreate: [] as number[],
      apiRead: [] as number[],
      floorRead: [] as number[],
    };
    const failures = { apiCreate: 0, apiRead: 0 };
    const apiRound = async () => {
      const c = await measure(CREATE_CLIENTS, apiCreate);
      results.apiCreate.push(c.perSecond);
      failures.apiCreate += c.failed;
      const r = await measure(READ_CLIENTS, apiRead);
      results.apiRead.push(r.perSecond);
      failures.apiRead += r.failed;
      console.log(
        `  API: create ${fmt(c.perSecond)}/s (${c.failed} failed), read ${fmt(r.perSecond)}/s (${r.failed} failed)`,
      );
    };
    const floorRound = async (scope: string) => {
      const c = await measure(CREATE_CLIENTS, (i) => rawCreate(direct!, scope, accountId, i));
      results.rawCreate.push(c.perSecond);
      const r = await measure(READ_CLIENTS, floorRead);
      results.floorRead.push(r.perSecond);
      console.log(`  floor: raw create ${fmt(c.perSecond)}/s, bare read ${fmt(r.perSecond)}/s`);
    };
    if (onPostgres) {
      // Both at once, measurements interleaved: a busy machine weighs on both sides of each ratio alike.
      await startFloors();
      const scope = await scopeId();
      for (let round = 0; round < ROUNDS; round++) {
        await apiRound();
        await floorRound(scope);
      }
    } else {
      // The embedded database has one owner at a time: the API's rounds, then the floors' on the same files.
      for (let round = 0; round < ROUNDS; round++) await apiRound();
      await stop(server);
      // No read floor here: its server and this process cannot both own the data directory.
      direct = await openDatabase({ dataDir: target.env.DATA_DIR! });
      const scope = await scopeId();
      for (let round = 0; round < ROUNDS; round++) {
        const c = await measure(CREATE_CLIENTS, (i) => rawCreate(direct!, scope, accountId, i));
        results.rawCreate.push(c.perSecond);
        console.log(`  floor: raw create ${fmt(c.perSecond)}/s (bare read floor needs PostgreSQL: skipped)`);
      }
    }
    const vendure = await vendureCreates();
    const m = Object.fromEntries(
      Object.entries(results).map(([k, v]) => [k, v.length ? median(v) : NaN]),
    ) as Record<keyof typeof results, number>;
    console.log('\nmedians');
    console.log(
      `  POST /api/contacts, ${CREATE_CLIENTS} clients: ${fmt(m.apiCreate)}/s; raw SQL floor ${fmt(m.rawCreate)}/s → ${((100 * m.apiCreate) / m.rawCreate).toFixed(0)} % of the floor`,
    );
    if (vendure !== null)
      console.log(
        `  Vendure createCustomer, ${CREATE_CLIENTS} clients: ${fmt(vendure)}/s → Clientele ${(m.apiCreate / vendure).toFixed(1)}×`,
      );
    else console.log('  Vendure: VENDURE_URL not set, skipped');
    if (onPostgres)
      console.log(
        `  GET /api/contacts/{id}, ${READ_CLIENTS} clients: ${fmt(m.apiRead)}/s; bare Fastify + one PK select ${fmt(m.floorRead)}/s → ${((100 * m.apiRead) / m.floorRead).toFixed(0)} % of the floor`,
      );
    else console.log(`  GET /api/contacts/{id}, ${READ_CLIENTS} clients: ${fmt(m.apiRead)}/s`);
    console.log(
      `  failed requests: ${failures.apiCreate} creates, ${failures.apiRead} reads; load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    if (floor) await stop(floor);
    await stop(server);
    await direct?.close();
    target.cleanup();
  }
}
