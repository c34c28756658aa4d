import { benchDatabase } from './bench-database.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { loadConfig } from '../src/server/config.ts';
import { embeddedOptions, openDatabase, type Database, type Db } from '../src/server/db/client.ts';
import type { AppDeps } from '../src/server/deps.ts';
import { systemContext } from '../src/server/http/context.ts';
import { createImport, getImport, startPass } from '../src/server/modules/imports/imports.service.ts';
import { openRuntime } from '../src/server/runtime.ts';

/**
 * `npm run bench -- import [--rows N] [--accounts N]`: generates contact rows as CSV, measures the import end
 * to end (parsing, validation, staging, set-based upsert, audit), a re-import of the unchanged file, and a
 * plain COPY of the rows the import wrote into the same tables (the physical limit). On PGlite, or on a
 * database of its own on the PostgreSQL server DATABASE_URL names when it is set (`--embedded`: PGlite anyway).
 */
export async function run(args: string[]): Promise<void> {
  const embedded = args.includes('--embedded') || !process.env.DATABASE_URL;
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
    const { database, copier, label } = embedded ? await openEmbedded(work) : await openPostgres();
    const config = loadConfig({
      ...(embedded ? { DATA_DIR: path.join(work, 'data') } : { DATABASE_URL: 'postgres://unused/x' }),
      PUBLIC_URL: 'http://bench.local',
      LOG_LEVEL: 'silent',
      IMPORT_MAX_FILE_MB: '2000',
      ...(process.env.IMPORT_BATCH_ROWS && { IMPORT_BATCH_ROWS: process.env.IMPORT_BATCH_ROWS }),
      ...(process.env.IMPORT_SLICE_MS && { IMPORT_SLICE_MS: process.env.IMPORT_SLICE_MS }),
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

    // The physical limit, measured last so its rows in memory don't count in the import's RSS.
    const copy = await copyBack(db, copier, work);
    // On PGlite the CPU ratio holds on a busy machine too; wall-clock ratios swing with the load in between.
    const pct = (copy: Took) =>
      `${Math.round((100 * copy.seconds) / first.seconds)} %` +
      (embedded ? ` (CPU ${Math.round((100 * copy.cpu) / first.cpu)} %)` : '');
    const line = (label: string, t: Took) =>
      `${label.padEnd(48)}${fmt(rows / t.seconds)} rows/s (${t.seconds.toFixed(1)} s` +
      (embedded ? `, CPU ${t.cpu.toFixed(1)} s)` : ')');
    console.log(line('COPY of the same contacts and links:', copy.entities));
    console.log(line('COPY of all it wrote (+ audit rows and events):', copy.all));
    console.log(
      `${line('Import, first run:', first)} — ${pct(copy.all)} of COPY of all it wrote, ` +
        `${pct(copy.entities)} of COPY of contacts and links; peak RSS ${mb(firstRss)} — ${JSON.stringify(first.counts)}`,
    );
    console.log(
      `${line('Import, same file again:', second)} — ${(first.seconds / second.seconds).toFixed(1)}× faster; ` +
        `peak RSS ${mb(secondRss)} — ${JSON.stringify(second.counts)}`,
    );
    await deps.close();
  } finally {
    clearInterval(sampler);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Wall and CPU seconds since `start()`: on PGlite the database runs in this process, so its CPU time is the
 * import's own work, whatever else the shared machine runs meanwhile. */
function stopwatch() {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { seconds: (performance.now() - wall) / 1000, cpu: (used.user + used.system) / 1e6 };
  };
}
type Took = ReturnType<ReturnType<typeof stopwatch>>;

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

// What a contacts import writes: the contacts and their account links, and for each its audit row and event.
const ENTITY_TABLES = ['contacts', 'contact_accounts'];
const TRAIL_TABLES = ['audit_log', 'events'];

/** Saves the rows of tables to files, and COPYs them back in (one transaction, timed). */
type Copier = {
  save(table: string, columns: string[], file: string): Promise<void>;
  load(tables: { table: string; columns: string[]; file: string }[]): Promise<Took>;
};

/**
 * The physical limit, on the same rows: what the first import wrote, saved, the tables emptied, and COPYed
 * back into the same tables with the same indexes (generated columns are computed again, as on insert).
 */
async function copyBack(db: Db, copier: Copier, dir: string) {
  const saved = [];
  for (const table of [...ENTITY_TABLES, ...TRAIL_TABLES]) {
    const { rows } = await sql<{ name: string }>`SELECT attname AS name FROM pg_attribute
      WHERE attrelid = ${table}::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
      ORDER BY attnum`.execute(db);
    const file = path.join(dir, `${table}.copy`);
    await copier.save(
      table,
      rows.map((r) => r.name),
      file,
    );
    saved.push({ table, columns: rows.map((r) => r.name), file });
  }
  await sql`TRUNCATE contacts, contact_accounts, audit_log, events CASCADE`.execute(db);
  await settle(db);
  const entities = await copier.load(saved.filter((t) => ENTITY_TABLES.includes(t.table)));
  await settle(db);
  const trail = await copier.load(saved.filter((t) => TRAIL_TABLES.includes(t.table)));
  return {
    entities,
    all: { seconds: entities.seconds + trail.seconds, cpu: entities.cpu + trail.cpu },
  };
}

const columnList = (columns: string[]) => columns.map((c) => `"${c}"`).join(', ');

async function openPostgres(): Promise<{ database: Database; copier: Copier; label: string }> {
  const { url, version } = await benchDatabase('clientele_bench_import');
  const database = await openDatabase({ databaseUrl: url, poolSize: 10 });
  const withClient = async <T>(work: (client: pg.Client) => Promise<T>) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const copier: Copier = {
    save: (table, columns, file) =>
      withClient((client) =>
        pipeline(
          client.query(copyTo(`COPY ${table} (${columnList(columns)}) TO STDOUT`)),
          fs.createWriteStream(file),
        ),
      ),
    load: (tables) =>
      withClient(async (client) => {
        const took = stopwatch();
        await client.query('BEGIN');
        for (const t of tables)
          await pipeline(
            fs.createReadStream(t.file),
            client.query(copyFrom(`COPY ${t.table} (${columnList(t.columns)}) FROM STDIN`)),
          );
        await client.query('COMMIT');
        return took();
      }),
  };
  return { database, copier, label: `PostgreSQL ${version}` };
}

async function openEmbedded(work: string): Promise<{ database: Database; copier: Copier; label: string }> {
  // As the server opens it (EMBEDDED_SHARED_BUFFERS_MB, default 16).
  const sharedBuffers = Number(process.env.EMBEDDED_SHARED_BUFFERS_MB ?? 16);
  const client = await PGlite.create(path.join(work, 'pgdata'), embeddedOptions(sharedBuffers));
  const database = await openDatabase({ pglite: client });
  const copier: Copier = {
    async save(table, columns, file) {
      const { blob } = await client.query(`COPY ${table} (${columnList(columns)}) TO '/dev/blob'`);
      await fs.promises.writeFile(file, Buffer.from(await blob!.arrayBuffer()));
    },
    async load(tables) {
      const blobs = tables.map((t) => ({ ...t, blob: new Blob([fs.readFileSync(t.file)]) }));
      const took = stopwatch();
      await client.transaction(async (tx) => {
        for (const t of blobs)
          await tx.query(`COPY ${t.table} (${columnList(t.columns)}) FROM '/dev/blob'`, [], { blob: t.blob });
      });
      return took();
    },
  };
  return { database, copier, label: 'embedded PGlite (PostgreSQL 17)' };
}

/** Each measurement starts with nothing left to write from the one before, which would compete with it. */
async function settle(db: Db) {
  await sql`CHECKPOINT`.execute(db);
}

async function importOnce(deps: AppDeps, file: string, size: number) {
  const ctx = systemContext(deps.scopeId, 'import', 'bench');
  const importsDeps = { db: deps.database.db, jobs: deps.jobs, config: deps.config.imports };
  const took = stopwatch();
  const created = await createImport(importsDeps, ctx, {
    type: 'contacts',
    fileName: 'bench.csv',
    options: { logins: 'none' },
    file,
    size,
  });
  await startPass(importsDeps, ctx, created.id, 'run');
  await deps.imports.process(created.id);
  const { seconds, cpu } = took();
  const done = await getImport(deps.database.db, ctx, created.id);
  if (done.status !== 'completed') throw new Error(`import ${done.status}: ${done.error}`);
  return { seconds, cpu, counts: done.counts };
}
