// `npm run bench -- footprint`: what the embedded default costs. The server's memory (RSS) on a fresh
// data directory after its first start, after a restart, and after 200 sign-ins at once; how long it
// takes to be ready; and what a browser downloads for the first page of the portal and the storefront.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FIRST_PAGES, firstLoads } from './web-sizes.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const ADMIN_EMAIL = 'footprint@bench.example';
const ADMIN_PASSWORD = 'footprint-bench-password';
const SIGN_INS = Number(process.env.BENCH_SIGN_INS ?? 200);
/** How long the server is left alone before its idle memory is read. */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 5000);

const MiB = 1024 * 1024;
const fmtMiB = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;
const fmtKB = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident memory of a process, from /proc (Linux). */
function rss(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) * 1024;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

interface Server {
  child: ChildProcess;
  baseUrl: string;
  readyMs: number;
}

/** `node bin/clientele.js serve` on the embedded database in dataDir, timed until /api/health answers. */
async function serve(dataDir: string, extraEnv: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: Record<string, string | undefined> = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: baseUrl,
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    // Each sign-in comes from its own address (X-Forwarded-For), so the per-client limit lets them through.
    TRUST_PROXY: '1',
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const started = performance.now();
  const child = spawn(process.execPath, ['--max-semi-space-size=1', 'bin/clientele.js', 'serve'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${baseUrl}/api/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 300_000) throw new Error('the server was not ready within 300 s');
    await sleep(50);
  }
  return { child, baseUrl, readyMs: performance.now() - started };
}

async function stop(server: Server): Promise<void> {
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await exited;
}

/** The highest RSS seen while `work` runs, sampled every 50 ms. */
async function peakDuring<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = rss(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rss(pid));
    } catch {
      // exited
    }
  }, 50);
  try {
    return { result: await work(), peak: Math.max(peak, rss(pid)) };
  } finally {
    clearInterval(timer);
  }
}

async function signIns(server: Server, n: number): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const res = await fetch(`${server.baseUrl}/api/session`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: server.baseUrl,
          'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        },
        body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
      });
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }),
  );
  return statuses;
}

export async function run(args: string[]): Promise<void> {
  const extraEnv = Object.fromEntries(
    args.filter((a) => a.includes('=')).map((a) => a.split('=', 2) as [string, string]),
  );
  const rows: [string, string, string][] = [];

  const webDir = path.join(ROOT, 'dist/web');
  if (fs.existsSync(path.join(webDir, '.vite/manifest.json'))) {
    for (const [i, load] of firstLoads(webDir).entries()) {
      const page = FIRST_PAGES[i]!;
      rows.push([
        `first load, ${load.page}: ${load.scripts.length} scripts (gzip ${fmtKB(load.gzip)}, raw ${fmtKB(load.raw)})`,
        `${fmtKB(load.brotli)} brotli`,
        `≤ ${fmtKB(page.target)}`,
      ]);
    }
  } else {
    console.log('dist/web has no build manifest: run `npm run build` for the first-load sizes.');
  }

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-footprint-'));
  try {
    let server = await serve(dataDir, extraEnv);
    rows.push([
      'first start on a fresh data directory: ready after',
      `${(server.readyMs / 1000).toFixed(1)} s`,
      '< 10 s',
    ]);
    await sleep(SETTLE_MS);
    rows.push(['RSS idle after the first start', fmtMiB(rss(server.child.pid!)), '≤ 250 MiB']);
    await stop(server);

    server = await serve(dataDir, extraEnv);
    rows.push(['restart: ready after', `${(server.readyMs / 1000).toFixed(1)} s`, '']);
    await sleep(SETTLE_MS);
    rows.push(['RSS idle after a restart', fmtMiB(rss(server.child.pid!)), '≤ 250 MiB']);

    const started = performance.now();
    const { result: statuses, peak } = await peakDuring(server.child.pid!, () => signIns(server, SIGN_INS));
    const seconds = (performance.now() - started) / 1000;
    const answered = Object.entries(statuses)
      .map(([status, count]) => `${count}× ${status}`)
      .join(', ');
    rows.push([
      `${SIGN_INS} sign-ins at once (${answered}, ${seconds.toFixed(1)} s): peak RSS`,
      fmtMiB(peak),
      '',
    ]);
    await sleep(SETTLE_MS);
    rows.push([
      `RSS ${SETTLE_MS / 1000} s after the ${SIGN_INS} sign-ins`,
      fmtMiB(rss(server.child.pid!)),
      '≤ 350 MiB',
    ]);
    await stop(server);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length), 6));
  const line = (r: readonly string[]) => `| ${r.map((v, c) => v.padEnd(widths[c]!)).join(' | ')} |`;
  console.log(`\nfootprint (${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)})`);
  console.log(line(['what', 'figure', 'target']));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
}
