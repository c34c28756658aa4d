// The long fuzzing profile: `npm run fuzz -- --requests 50000 [--seed N]`, on an in-memory PGlite, or on a
// throwaway database of the PostgreSQL server in DATABASE_URL.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { openDatabase, pgliteExtensions, type Database } from '../../src/server/db/client.ts';
import { openRuntime } from '../../src/server/runtime.ts';
import { withDatabase } from '../helpers/global-setup.ts';
import { describeFailure, loadOperations, prepareTarget, runFuzz, SKIPPED } from './fuzz-core.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '50000' },
    seed: { type: 'string' },
    // Only the operations whose "METHOD /path" contains this text.
    only: { type: 'string' },
  },
});
const requests = Number(values.requests);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isInteger(requests) || requests < 1 || !Number.isInteger(seed)) {
  console.error('Usage: npm run fuzz -- [--requests 50000] [--seed N] [--only "PATCH /api/roles"]');
  process.exit(2);
}

async function throwawayDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) return openDatabase({ pglite: await PGlite.create({ extensions: pgliteExtensions }) });
  const name = `clientele_fuzz_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const database = await openDatabase({ databaseUrl: withDatabase(url, name) });
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

const deps = await openRuntime(
  loadConfig({ PUBLIC_URL: 'http://clientele.test', LOG_LEVEL: 'silent' }),
  await throwawayDatabase(),
);
const app = await buildApp(deps);
await app.ready();
try {
  const target = await prepareTarget(app, deps);
  const operations = await loadOperations(app);
  console.log(
    `fuzz seed ${seed}: ${requests} requests over ${operations.length} operations on ${deps.database.kind}`,
  );
  for (const [operation, why] of Object.entries(SKIPPED)) console.log(`  skipped ${operation}: ${why}`);
  const started = Date.now();
  const result = await runFuzz(target, operations, {
    seed,
    requests,
    only: values.only,
    onProgress: (sent) => {
      if (sent % 5000 < 250) console.log(`  ${sent} sent, ${Math.round((Date.now() - started) / 1000)} s`);
    },
  });
  console.log(
    `\n${result.sent} sent, ${result.skipped} skipped (the fuzzer's own credentials), ${Math.round((Date.now() - started) / 1000)} s`,
  );
  for (const [status, count] of Object.entries(result.byStatus)) console.log(`  ${status}: ${count}`);
  console.log(`${result.failures.length} failures`);
  for (const failure of result.failures) console.log(describeFailure(failure));
  process.exitCode = result.failures.length ? 1 : 0;
} finally {
  await app.close();
  await deps.close();
}
