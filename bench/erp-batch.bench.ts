import { benchDatabase } from './bench-database.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';
import { openDatabase, type Database } from '../src/server/db/client.ts';
import type { AppDeps } from '../src/server/deps.ts';
import { systemContext } from '../src/server/http/context.ts';
import { createEmployee } from '../src/server/modules/employees/employees.service.ts';
import { createImport, getImport, startPass } from '../src/server/modules/imports/imports.service.ts';
import { openRuntime } from '../src/server/runtime.ts';

/**
 * `npm run bench -- erp-batch [--rows N]`: on PostgreSQL when DATABASE_URL is set (a database of its own
 * beside it), else on the embedded PGlite. Imports N new accounts from a CSV (the import path), then POSTs N
 * other new accounts as NDJSON to `/api/erp/batch` over HTTP on a listening server, and the same batch again
 * (all unchanged). Prints rows/s of each and the batch's rate as a share of the import's.
 */
export async function run(args: string[]): Promise<void> {
  const i = args.indexOf('--rows');
  const rows = i >= 0 ? Number(args[i + 1]) : 100_000;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-bench-erp-batch-'));
  try {
    const { database, label, env } = process.env.DATABASE_URL
      ? await openPostgres(process.env.DATABASE_URL)
      : await openEmbedded(work);
    const config = loadConfig({ ...env, PUBLIC_URL: 'http://127.0.0.1', LOG_LEVEL: 'silent' });
    const deps = await openRuntime(config, database, (msg, err) => console.error(msg, err));
    const { db } = database;
    console.log(
      `${label}, ${os.cpus().length} cores, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; ` + `${rows.toLocaleString('en-US')} accounts per run`,
    );

    const imported = await importAccounts(deps, work, rows);
    console.log(
      `Import path (CSV, accounts):   ${fmt(rows / imported.seconds)} rows/s (${imported.seconds.toFixed(1)} s)`,
    );

    const ctx = systemContext(deps.scopeId, 'system', 'bench');
    await createEmployee(db, ctx, {
      email: 'bench@example.com',
      password: 'bench-password-1',
      roles: ['administrator'],
    });
    const app = await buildApp(deps);
    // Our own port range (7200–7299) on a shared machine.
    const address = await app.listen({ port: 7290, host: '127.0.0.1' });
    const key = await erpKey(address);
    await sql`CHECKPOINT`.execute(db);
    const first = await postBatch(address, key, rows);
    console.log(
      `ERP batch (NDJSON over HTTP):  ${fmt(rows / first.seconds)} rows/s (${first.seconds.toFixed(1)} s) — ` +
        `${JSON.stringify(first.counts)}; ${Math.round((100 * imported.seconds) / first.seconds)} % of the import's rate`,
    );
    const again = await postBatch(address, key, rows);
    console.log(
      `ERP batch again (unchanged):   ${fmt(rows / again.seconds)} rows/s (${again.seconds.toFixed(1)} s) — ${JSON.stringify(again.counts)}`,
    );
    await app.close();
    await deps.close();
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function openPostgres(
  baseUrl: string,
): Promise<{ database: Database; label: string; env: Record<string, string> }> {
  const { url, version } = await benchDatabase('clientele_bench_erp_batch', { base: baseUrl });
  const database = await openDatabase({ databaseUrl: url, poolSize: 10 });
  return { database, label: `PostgreSQL ${version}`, env: { DATABASE_URL: url } };
}

async function openEmbedded(work: string) {
  const dataDir = path.join(work, 'data');
  const database = await openDatabase({ dataDir });
  return { database, label: 'embedded PGlite (PostgreSQL 17)', env: { DATA_DIR: dataDir } };
}

/** The accounts import of the same number of new accounts: the rate the batch is compared with. */
async function importAccounts(deps: AppDeps, work: string, rows: number) {
  const file = path.join(work, 'accounts.csv');
  async function* lines() {
    yield 'Account number,Company name\n';
    let buf = '';
    for (let n = 0; n < rows; n++) {
      buf += `IMP-${n},Imported Customer ${n}\n`;
      if (buf.length > 1 << 20) {
        yield buf;
        buf = '';
      }
    }
    yield buf;
  }
  await pipeline(Readable.from(lines()), fs.createWriteStream(file));
  const ctx = systemContext(deps.scopeId, 'import', 'bench');
  const importsDeps = { db: deps.database.db, jobs: deps.jobs, config: deps.config.imports };
  await sql`CHECKPOINT`.execute(deps.database.db);
  const started = performance.now();
  const created = await createImport(importsDeps, ctx, {
    type: 'accounts',
    fileName: 'accounts.csv',
    options: {},
    file,
    size: fs.statSync(file).size,
  });
  await startPass(importsDeps, ctx, created.id, 'run');
  await deps.imports.process(created.id);
  const seconds = (performance.now() - started) / 1000;
  const done = await getImport(deps.database.db, ctx, created.id);
  if (done.status !== 'completed') throw new Error(`import ${done.status}: ${done.error}`);
  if (done.counts.created !== rows) throw new Error(`import created ${JSON.stringify(done.counts)}`);
  return { seconds };
}

/** An API key with the role erpIntegration, made over HTTP by a signed-in administrator. */
async function erpKey(address: string): Promise<string> {
  const signIn = await fetch(`${address}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@example.com', password: 'bench-password-1' }),
  });
  const cookie = signIn.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const res = await fetch(`${address}/api/api-keys`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'ERP bench', roles: ['erpIntegration'] }),
  });
  if (res.status !== 201) throw new Error(`API key: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

/** Streams `rows` account lines up and reads the streamed answers, counting their statuses. */
async function postBatch(address: string, key: string, rows: number) {
  async function* body() {
    let buf = '';
    for (let n = 0; n < rows; n++) {
      buf += `${JSON.stringify({ type: 'account', erpNumber: `ERP-${n}`, name: `ERP Customer ${n}` })}\n`;
      if (buf.length > 1 << 16) {
        yield Buffer.from(buf);
        buf = '';
      }
    }
    yield Buffer.from(buf);
  }
  const started = performance.now();
  const res = await fetch(`${address}/api/erp/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
    body: Readable.toWeb(Readable.from(body())) as ReadableStream<Uint8Array>,
    duplex: 'half',
  } as RequestInit);
  if (res.status !== 200) throw new Error(`batch: ${res.status} ${await res.text()}`);
  const counts: Record<string, number> = {};
  let rest = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      const status = (JSON.parse(line) as { status: string }).status;
      counts[status] = (counts[status] ?? 0) + 1;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (Object.values(counts).reduce((a, b) => a + b, 0) !== rows)
    throw new Error(`answers: ${JSON.stringify(counts)}`);
  return { seconds, counts };
}
