import { benchDatabase } from './bench-database.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { loadConfig } from '../src/server/config.ts';
import { embeddedOptions, openDatabase, type Database, type Db } from '../src/server/db/client.ts';
import type { AppDeps } from '../src/server/deps.ts';
import { systemContext } from '../src/server/http/context.ts';
import { createImport, getImport, startPass } from '../src/server/modules/imports/imports.service.ts';
import { openRuntime } from '../src/server/runtime.ts';

/**
 * `npm run bench -- import [--embedded] [--rows N] [--accounts N]`: generates contact rows as CSV, measures
 * a plain COPY of the same rows into the same tables (the physical limit), then the import end to end
 * (parsing, validation, staging, set-based upsert, audit) and a re-import of the unchanged file.
 */
export async function run(args: string[]): Promise<void> {
  const embedded = args.includes('--embedded');
  const arg = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const rows = arg('--rows') ?? (embedded ? 100_000 : 1_000_000);
  const accounts = arg('--accounts') ?? (embedded ? 2_000 : 20_000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-bench-import-'));
  const file = path.join(work, 'contacts.csv');
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

  try {
    console.log(`Generating ${rows.toLocaleString()} contact rows on ${accounts.toLocaleString()} accounts…`);
    await writeCsv(file, rows, accounts);
    const size = fs.statSync(file).size;
    const { database, copy, label } = embedded ? await openEmbedded(work) : await openPostgres();
    const config = loadConfig({
      ...(embedded ? { DATA_DIR: path.join(work, 'data') } : { DATABASE_URL: 'postgres://unused/x' }),
      PUBLIC_URL: 'http://bench.local',
      LOG_LEVEL: 'silent',
      IMPORT_MAX_FILE_MB: '2000',
      ...(process.env.IMPORT_BATCH_ROWS && { IMPORT_BATCH_ROWS: process.env.IMPORT_BATCH_ROWS }),
    });
    const deps = await openRuntime(config, database, (msg, err) => console.error(msg, err));
    const { db } = database;
    console.log(`${label}, ${os.cpus().length} cores; file ${(size / 1024 / 1024).toFixed(0)} MB`);
    await createAccounts(db, deps.scopeId, accounts);

    await settle(db);
    // With the embedded database this process holds the database too: its memory is part of every figure.
    const startRss = process.memoryUsage().rss;
    console.log(`RSS before importing:       ${mb(startRss)}`);
    peakRss = startRss;
    const first = await importOnce(deps, file, size);
    const firstRss = peakRss;
    peakRss = process.memoryUsage().rss;
    await settle(db);
    const second = await importOnce(deps, file, size);
    const secondRss = peakRss;

    // The physical limit, measured last so its rows in memory don't count in the import's RSS: the same
    // final rows COPYed straight into contacts and contact_accounts.
    await sql`TRUNCATE contacts CASCADE`.execute(db);
    await settle(db);
    const copySeconds = await copy(db, deps.scopeId, rows, accounts);
    console.log(
      `COPY of the same rows:      ${fmt(rows / copySeconds)} rows/s (${copySeconds.toFixed(1)} s)`,
    );
    console.log(
      `Import, first run:          ${fmt(rows / first.seconds)} rows/s (${first.seconds.toFixed(1)} s, ` +
        `${Math.round((100 * copySeconds) / first.seconds)} % of COPY), peak RSS ${mb(firstRss)} — ${JSON.stringify(first.counts)}`,
    );
    console.log(
      `Import, same file again:    ${fmt(rows / second.seconds)} rows/s (${second.seconds.toFixed(1)} s, ` +
        `${(first.seconds / second.seconds).toFixed(1)}× faster), peak RSS ${mb(secondRss)} — ${JSON.stringify(second.counts)}`,
    );
    await deps.close();
  } finally {
    clearInterval(sampler);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

const FIRST = [
  'Maria',
  'James',
  'Aiko',
  'Liam',
  'Sofía',
  'Noah',
  'Chloé',
  'Mateo',
  'Priya',
  'Oliver',
  'Zoë',
  'Léa',
];
const LAST = [
  'García',
  'Smith',
  'Tanaka',
  'Murphy',
  'Müller',
  'Johnson',
  'Dubois',
  'Rossi',
  'Patel',
  'Nguyen',
];
const row = (i: number, accounts: number) => ({
  email: `contact${i}@customer${i % accounts}.example`,
  first: FIRST[i % FIRST.length]!,
  last: `${LAST[(i * 7) % LAST.length]!}-${i % 97}`,
  phone: `+1 555 ${String(i).padStart(7, '0')}`,
  account: `BA${i % accounts}`,
});

async function writeCsv(file: string, rows: number, accounts: number) {
  async function* lines() {
    yield 'Email,First Name,Last Name,Phone,Account Number\n';
    let buf = '';
    for (let i = 0; i < rows; i++) {
      const r = row(i, accounts);
      buf += `${r.email},${r.first},${r.last},${r.phone},${r.account}\n`;
      if (buf.length > 1 << 20) {
        yield buf;
        buf = '';
      }
    }
    yield buf;
  }
  await pipeline(Readable.from(lines()), fs.createWriteStream(file));
}

async function createAccounts(db: Db, scopeId: string, accounts: number) {
  await sql`INSERT INTO accounts (scope_id, kind, name, number)
    SELECT ${scopeId}, 'business', 'Customer ' || g, 'BA' || g FROM generate_series(0, ${accounts - 1}) g`.execute(
    db,
  );
}

/** COPY text for contacts and their account links, ids made up front. */
async function copyText(db: Db, scopeId: string, rows: number, accounts: number) {
  const ids = await sql<{
    number: string;
    id: string;
  }>`SELECT number, id FROM accounts WHERE number LIKE 'BA%'`.execute(db);
  const accountId = new Map(ids.rows.map((r) => [r.number, r.id]));
  let contacts = '';
  let links = '';
  const chunks: { contacts: string; links: string }[] = [];
  for (let i = 0; i < rows; i++) {
    const r = row(i, accounts);
    const id = randomUUID();
    contacts += `${id}\t${scopeId}\t${r.email}\t${r.first}\t${r.last}\t${r.phone}\n`;
    links += `${id}\t${accountId.get(r.account)}\tt\n`;
    if (contacts.length > 4 << 20) {
      chunks.push({ contacts, links });
      contacts = '';
      links = '';
    }
  }
  chunks.push({ contacts, links });
  return chunks;
}

const CONTACTS_COPY = 'COPY contacts (id, scope_id, email, first_name, last_name, phone) FROM';
const LINKS_COPY = 'COPY contact_accounts (contact_id, account_id, is_primary) FROM';

type Copy = (db: Db, scopeId: string, rows: number, accounts: number) => Promise<number>;

async function openPostgres(): Promise<{ database: Database; copy: Copy; label: string }> {
  const { url, version } = await benchDatabase('clientele_bench_import');
  const database = await openDatabase({ databaseUrl: url, poolSize: 10 });
  const copy: Copy = async (db, scopeId, rows, accounts) => {
    const chunks = await copyText(db, scopeId, rows, accounts);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const started = performance.now();
    await client.query('BEGIN');
    await pipeline(
      Readable.from(chunks.map((c) => c.contacts)),
      client.query(copyFrom(`${CONTACTS_COPY} STDIN`)),
    );
    await pipeline(Readable.from(chunks.map((c) => c.links)), client.query(copyFrom(`${LINKS_COPY} STDIN`)));
    await client.query('COMMIT');
    const seconds = (performance.now() - started) / 1000;
    await client.end();
    return seconds;
  };
  return { database, copy, label: `PostgreSQL ${version}` };
}

async function openEmbedded(work: string): Promise<{ database: Database; copy: Copy; label: string }> {
  // As the server opens it (EMBEDDED_SHARED_BUFFERS_MB, default 16).
  const sharedBuffers = Number(process.env.EMBEDDED_SHARED_BUFFERS_MB ?? 16);
  const client = await PGlite.create(path.join(work, 'pgdata'), embeddedOptions(sharedBuffers));
  const database = await openDatabase({ pglite: client });
  const copy: Copy = async (db, scopeId, rows, accounts) => {
    const chunks = await copyText(db, scopeId, rows, accounts);
    const started = performance.now();
    await client.transaction(async (tx) => {
      for (const c of chunks)
        await tx.query(`${CONTACTS_COPY} '/dev/blob'`, [], { blob: new Blob([c.contacts]) });
      for (const c of chunks) await tx.query(`${LINKS_COPY} '/dev/blob'`, [], { blob: new Blob([c.links]) });
    });
    return (performance.now() - started) / 1000;
  };
  return { database, copy, label: 'embedded PGlite (PostgreSQL 17)' };
}

/** Each measurement starts with nothing left to write from the one before, which would compete with it. */
async function settle(db: Db) {
  await sql`CHECKPOINT`.execute(db);
}

async function importOnce(deps: AppDeps, file: string, size: number) {
  const ctx = systemContext(deps.scopeId, 'import', 'bench');
  const importsDeps = { db: deps.database.db, jobs: deps.jobs, config: deps.config.imports };
  const started = performance.now();
  const created = await createImport(importsDeps, ctx, {
    type: 'contacts',
    fileName: 'bench.csv',
    options: { logins: 'none' },
    file,
    size,
  });
  await startPass(importsDeps, ctx, created.id, 'run');
  await deps.imports.process(created.id);
  const seconds = (performance.now() - started) / 1000;
  const done = await getImport(deps.database.db, ctx, created.id);
  if (done.status !== 'completed') throw new Error(`import ${done.status}: ${done.error}`);
  return { seconds, counts: done.counts };
}
