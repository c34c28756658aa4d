import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';
import { openDatabase } from '../src/server/db/client.ts';
import { systemContext } from '../src/server/http/context.ts';
import { createEmployee } from '../src/server/modules/employees/employees.service.ts';
import { createImport, getImport, startPass } from '../src/server/modules/imports/imports.service.ts';
import { openRuntime } from '../src/server/runtime.ts';

/**
 * `npm run bench -- responsiveness [--rows N] [--logins activation|none]`: a contacts import on the embedded
 * database, in the server's own process as in production, while `/api/health` and an accounts search are
 * probed every 50 ms over HTTP. Prints the probes' latency before and during the import, and its rows/s.
 */
export async function run(args: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const rows = Number(arg('--rows') ?? 10_000);
  const logins = (arg('--logins') ?? 'activation') as 'activation' | 'none';
  const accounts = 500;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-bench-resp-'));
  try {
    const file = path.join(work, 'contacts.csv');
    const lines = ['Email,First Name,Last Name,Account Number'];
    for (let i = 0; i < rows; i++)
      lines.push(`c${i}@customer${i % accounts}.example,First${i},Last${i},BR${i % accounts}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);

    const config = loadConfig({
      DATA_DIR: path.join(work, 'data'),
      PUBLIC_URL: 'http://127.0.0.1',
      LOG_LEVEL: 'silent',
      ...(process.env.IMPORT_BATCH_ROWS && { IMPORT_BATCH_ROWS: process.env.IMPORT_BATCH_ROWS }),
    });
    const database = await openDatabase({ dataDir: config.dataDir });
    const deps = await openRuntime(config, database);
    const { db } = database;
    await sql`INSERT INTO accounts (scope_id, kind, name, number)
      SELECT ${deps.scopeId}, 'business', 'Customer ' || g, 'BR' || g FROM generate_series(0, ${accounts - 1}) g`.execute(
      db,
    );
    const ctx = systemContext(deps.scopeId, 'system', 'bench');
    await createEmployee(db, ctx, {
      email: 'bench@example.com',
      password: 'bench-password-1',
      roles: ['administrator'],
    });
    const app = await buildApp(deps);
    // Our own port range (4300–4399) on a shared machine.
    const address = await app.listen({ port: 4390, host: '127.0.0.1' });
    const signIn = await fetch(`${address}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench@example.com', password: 'bench-password-1' }),
    });
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');

    const probes = { health: '/api/health', search: '/api/accounts?q=customer%2042' } as const;
    const probe = async (url: string) => {
      const started = performance.now();
      const res = await fetch(`${address}${url}`, { headers: { cookie } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
      return performance.now() - started;
    };
    /** Probes both every 50 ms until `stop` resolves; each probe is sent on time, whether the last one answered or not. */
    const measure = async (stop: Promise<unknown>) => {
      const latencies = { health: [] as number[], search: [] as number[] };
      const pending: Promise<void>[] = [];
      const timer = setInterval(() => {
        for (const name of ['health', 'search'] as const)
          pending.push(probe(probes[name]).then((ms) => void latencies[name].push(ms)));
      }, 50);
      await stop;
      clearInterval(timer);
      await Promise.all(pending);
      return latencies;
    };

    console.log(
      `Embedded PGlite, ${os.cpus().length} cores (load average ${os.loadavg()[0]!.toFixed(1)}); ` +
        `${rows.toLocaleString('en-US')} contact rows, logins: ${logins}`,
    );
    report('Idle', await measure(new Promise((r) => setTimeout(r, 3000))));

    const importsDeps = { db, jobs: deps.jobs, config: deps.config.imports };
    const started = performance.now();
    const created = await createImport(importsDeps, ctx, {
      type: 'contacts',
      fileName: 'bench.csv',
      options: { logins },
      file,
      size: fs.statSync(file).size,
    });
    await startPass(importsDeps, ctx, created.id, 'run');
    const during = await measure(deps.imports.process(created.id));
    const seconds = (performance.now() - started) / 1000;
    const done = await getImport(db, ctx, created.id);
    if (done.status !== 'completed') throw new Error(`import ${done.status}: ${done.error}`);
    report('During the import', during);
    console.log(
      `Import: ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s (${seconds.toFixed(1)} s) — ${JSON.stringify(done.counts)}`,
    );
    await app.close();
    await deps.close();
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function report(label: string, latencies: Record<string, number[]>) {
  for (const [name, values] of Object.entries(latencies)) {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
    console.log(
      `${`${label}, ${name}:`.padEnd(28)} p50 ${at(0.5).toFixed(0)} ms, p95 ${at(0.95).toFixed(0)} ms, ` +
        `max ${(sorted.at(-1) ?? NaN).toFixed(0)} ms (${sorted.length} probes)`,
    );
  }
}
