import { benchDatabase } from './bench-database.ts';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';
import { openDatabase, type Db } from '../src/server/db/client.ts';
import { systemContext } from '../src/server/http/context.ts';
import { likePattern } from '../src/server/lib/cursor.ts';
import { createEmployee } from '../src/server/modules/employees/employees.service.ts';
import { openRuntime } from '../src/server/runtime.ts';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 50_000);
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 400);
// Per term: this many requests from one client, and this many from each of CLIENTS concurrent clients.
const TERM_ROUNDS = Number(process.env.BENCH_TERM_ROUNDS ?? 40);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const CLIENT_ROUNDS = Number(process.env.BENCH_CLIENT_ROUNDS ?? 10);
// BENCH_TERMS=a,e,x measures only those terms in the per-term table.
const ONLY_TERMS = process.env.BENCH_TERMS?.split(',');

const FIRST = [
  'maria',
  'james',
  'aiko',
  'liam',
  'sofía',
  'noah',
  'chloé',
  'mateo',
  'priya',
  'oliver',
  'zoë',
  'ethan',
  'léa',
  'lucas',
  'ingrid',
  'omar',
  'hannah',
  'jürgen',
  'fatima',
  'daniel',
  'olga',
  'pedro',
  'yuki',
  'amara',
  'björn',
  'carmen',
  'dmitri',
  'elena',
  'farid',
  'greta',
];
const LAST = [
  'garcía',
  'smith',
  'tanaka',
  'murphy',
  'müller',
  'johnson',
  'dubois',
  'rossi',
  'patel',
  'brown',
  'nguyen',
  'kowalski',
  'larsen',
  'okafor',
  'silva',
  'martin',
  'cohen',
  'andersson',
  'haddad',
  'wilson',
  'novak',
  'ferreira',
  'schmidt',
  'ivanova',
  'kim',
  'lopez',
  'moreau',
  'berg',
  'costa',
  'weber',
];
const WORDS = [
  'acme',
  'northwind',
  'café',
  'delta',
  'zenith',
  'harbor',
  'timber',
  'quarry',
  'lumen',
  'metro',
  'pinnacle',
  'keystone',
  'summit',
  'riverside',
  'élan',
  'crown',
  'atlas',
  'vertex',
  'orbit',
  'granite',
];
const KINDS = [
  'Supply',
  'Hardware',
  'Foods',
  'Plumbing',
  'Électricité',
  'Builders',
  'Logistics',
  'Clinics',
  'Marine',
  'Interiors',
];

const arr = (xs: string[]) => sql.raw(`ARRAY[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summarise(label: string, samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1).padStart(7);
  console.log(
    `${label.padEnd(44)} p50 ${f(percentile(s, 50))} ms   p95 ${f(percentile(s, 95))} ms   p99 ${f(percentile(s, 99))} ms`,
  );
}

/** Loads synthetic accounts and contacts with SQL on the server: the benchmark measures search, not ingest. */
async function load(db: Db, scopeId: string): Promise<void> {
  console.log(
    `Loading ${ACCOUNTS.toLocaleString()} accounts and ${CONTACTS.toLocaleString()} contacts into PostgreSQL…`,
  );
  let t0 = performance.now();
  // Search indexes are built after the load: maintaining them row by row is the slow part.
  await sql`DROP INDEX contacts_search_trgm; DROP INDEX accounts_search_trgm;
    DROP INDEX contacts_id_search; DROP INDEX accounts_id_search`.execute(db);
  await sql`
    INSERT INTO accounts (scope_id, kind, name, code, number, status)
    SELECT ${scopeId}, 'business',
      initcap((${arr(WORDS)})[1 + i % 20]) || ' ' || (${arr(KINDS)})[1 + (i / 20) % 10] || ' ' || i,
      'C' || lpad(i::text, 6, '0'), 'W' || (100000 + i), 'active'
    FROM generate_series(1, ${ACCOUNTS}) i`.execute(db);
  await sql`
    INSERT INTO contacts (scope_id, email, first_name, last_name, status)
    SELECT ${scopeId},
      f_unaccent((${arr(FIRST)})[1 + i % 30]) || '.' || f_unaccent((${arr(LAST)})[1 + (i / 30) % 30]) || '.' || i || '@' ||
        f_unaccent((${arr(WORDS)})[1 + i % 20]) || (i % ${ACCOUNTS}) || '.example',
      initcap((${arr(FIRST)})[1 + i % 30]), initcap((${arr(LAST)})[1 + (i / 30) % 30]), 'active'
    FROM generate_series(1, ${CONTACTS}) i`.execute(db);
  await sql`
    INSERT INTO contact_accounts (contact_id, account_id, is_primary)
    SELECT c.id, a.id, true
    FROM (SELECT id, row_number() OVER () AS n FROM contacts) c
    JOIN (SELECT id, row_number() OVER () AS n FROM accounts) a ON a.n = 1 + (c.n % ${ACCOUNTS})`.execute(db);
  console.log(`  rows loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  t0 = performance.now();
  await sql`SET maintenance_work_mem = '512MB'`.execute(db);
  await sql`CREATE INDEX contacts_search_trgm ON contacts USING gin (search gin_trgm_ops)`.execute(db);
  await sql`CREATE INDEX accounts_search_trgm ON accounts USING gin (search gin_trgm_ops)`.execute(db);
  await sql`CREATE INDEX contacts_id_search ON contacts (id) INCLUDE (scope_id, search)`.execute(db);
  await sql`CREATE INDEX accounts_id_search ON accounts (id) INCLUDE (scope_id, search)`.execute(db);
  for (const table of ['accounts', 'contacts', 'contact_accounts'])
    await sql`VACUUM ANALYZE ${sql.table(table)}`.execute(db);
  console.log(`  search indexes built and analysed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

export async function run(args: string[]): Promise<void> {
  // --reuse keeps a database loaded by an earlier run (loading a million rows takes a minute or two).
  const reuse = args.includes('--reuse');
  const { url, existed: exists } = await benchDatabase(process.env.BENCH_DB ?? 'clientele_bench_search', {
    reuse,
  });

  const config = loadConfig({
    DATABASE_URL: url,
    PUBLIC_URL: 'http://bench.local',
    LOG_LEVEL: 'silent',
  });
  const database = await openDatabase({ databaseUrl: url, poolSize: 10 });
  const deps = await openRuntime(config, database);
  const { db } = database;

  if (!reuse || !exists) await load(db, deps.scopeId);
  else await sql`DELETE FROM employees`.execute(db);

  const ctx = systemContext(deps.scopeId, 'system', 'bench');
  await createEmployee(db, ctx, {
    email: 'bench@example.com',
    password: 'bench-password-1',
    roles: ['administrator'],
  });
  const app = await buildApp(deps);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const signIn = await fetch(`${address}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@example.com', password: 'bench-password-1' }),
  });
  const cookie = signIn.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');

  // A mix of what people type: codes, numbers, name fragments with and without accents, rare and common terms.
  const accountTerms = [
    'C00421',
    'W1234',
    'cafe',
    'Café Sup',
    'northwind hard',
    'zenith',
    'elan log',
    '4711',
    'granite cl',
    'xyzzy',
    // Adversarial: very common (every account), one and two characters, no match.
    'supply',
    'a',
    'e',
    '1',
    'c0',
    'zq',
  ];
  const contactTerms = [
    'maria',
    'garcia',
    'jurgen.mul',
    'zoë',
    'chloe.dub',
    'okafor',
    '123456@',
    'lea.moreau.77',
    'summit12',
    'nobody-here',
    // Adversarial: cross-word substrings shared by ~1,100 contacts each, very common terms (most or all
    // contacts), one- and two-character terms, and common-looking terms that match nothing.
    'omar.coh',
    'yuki.tan',
    'a',
    'e',
    'x',
    '7',
    'ma',
    'zz',
    '.example',
    'example',
    '.com',
    'gmail',
  ];

  // Failed requests (a 503 when the pool's wait runs out) are counted, and their time kept in the samples.
  let failed = 0;
  async function measure(path: string, terms: string[], rounds = ROUNDS): Promise<number[]> {
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const q = terms[i % terms.length]!;
      const t = performance.now();
      const res = await fetch(`${address}${path}?q=${encodeURIComponent(q)}&limit=25`, {
        headers: { cookie },
      });
      await res.arrayBuffer();
      samples.push(performance.now() - t);
      if (!res.ok) failed++;
    }
    return samples;
  }

  async function measureSql(table: 'accounts' | 'contacts', terms: string[]): Promise<number[]> {
    const samples: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const q = terms[i % terms.length]!;
      const t = performance.now();
      await sql`SELECT id FROM ${sql.table(table)} WHERE scope_id = ${deps.scopeId} AND search LIKE f_unaccent(${likePattern(q)}) ORDER BY id LIMIT 26`.execute(
        db,
      );
      samples.push(performance.now() - t);
    }
    return samples;
  }

  // Warm the caches once so the figures describe a running service, not a cold start.
  await measure('/api/accounts', accountTerms);
  await measure('/api/contacts', contactTerms);

  console.log(`\nSearch latency, ${ROUNDS} requests each, one client, limit 25:`);
  summarise('GET /api/accounts?q=  (HTTP, end to end)', await measure('/api/accounts', accountTerms));
  if (failed) console.log(`  ${failed} requests failed`);
  summarise('  the same match in SQL', await measureSql('accounts', accountTerms));
  failed = 0;
  summarise('GET /api/contacts?q=  (HTTP, end to end)', await measure('/api/contacts', contactTerms));
  if (failed) console.log(`  ${failed} requests failed`);
  summarise('  the same match in SQL', await measureSql('contacts', contactTerms));
  for (const [path, terms] of [
    ['/api/accounts', accountTerms],
    ['/api/contacts', contactTerms],
  ] as const) {
    console.log(
      `\n${path}?q= by term (ms): one client (${TERM_ROUNDS} requests), ${CLIENTS} clients (${CLIENTS}×${CLIENT_ROUNDS})`,
    );
    console.log(
      `${'term'.padEnd(16)} ${'p50'.padStart(7)} ${'p95'.padStart(7)}   ${'p50'.padStart(7)} ${'p95'.padStart(7)}`,
    );
    for (const term of terms.filter((t) => !ONLY_TERMS || ONLY_TERMS.includes(t))) {
      failed = 0;
      const one = (await measure(path, [term], TERM_ROUNDS)).sort((a, b) => a - b);
      const many = (
        await Promise.all(Array.from({ length: CLIENTS }, () => measure(path, [term], CLIENT_ROUNDS)))
      )
        .flat()
        .sort((a, b) => a - b);
      const f = (n: number) => n.toFixed(1).padStart(7);
      console.log(
        `${JSON.stringify(term).padEnd(16)} ${f(percentile(one, 50))} ${f(percentile(one, 95))}   ${f(percentile(many, 50))} ${f(percentile(many, 95))}${failed ? `   ${failed} failed` : ''}`,
      );
    }
  }

  await app.close();
  await deps.close();
}
