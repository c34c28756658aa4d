// A first start on a fresh data directory: the database is created by a child process, which a SIGTERM
// during that work ends too.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './client.ts';
import { migrateToLatest } from './migrate.ts';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `clientele serve` on a fresh data directory of its own. */
async function firstStart() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-first-'));
  dirs.push(dataDir);
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/clientele.js', 'serve'], {
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  // Read, so a full pipe never blocks the server; shown when a wait fails.
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { dataDir, child, exited, url: `http://127.0.0.1:${port}`, stderr: () => stderr };
}

/** The processes (other than this one) whose environment names dataDir: the server and its child. */
function processesOf(dataDir: string): number[] {
  const found: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`DATA_DIR=${dataDir}\0`)) found.push(+pid);
    } catch {
      // ended meanwhile, or not ours to read
    }
  }
  return found;
}

async function until(check: () => boolean | Promise<boolean>, ms: number, output = () => ''): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    if (await check()) return;
  }
  throw new Error(`not within ${ms} ms; the server wrote:\n${output()}`);
}

describe.skipIf(!!process.env.DATABASE_URL)('a first start of the embedded database', () => {
  it('creates the database in a child process that has ended once the server answers', async () => {
    const server = await firstStart();
    // Two processes while the child works: the server and `clientele migrate`.
    await until(() => processesOf(server.dataDir).length === 2, 60_000, server.stderr);
    await until(
      () =>
        fetch(`${server.url}/api/health`).then(
          (r) => r.ok,
          () => false,
        ),
      240_000,
      server.stderr,
    );
    expect(processesOf(server.dataDir)).toEqual([server.child.pid]);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const db = await openDatabase({ dataDir: server.dataDir });
    try {
      expect(await migrateToLatest(db.db)).toEqual([]); // the child applied them all
    } finally {
      await db.close();
    }
  }, 300_000);

  it('ends the child too when SIGTERM comes while it creates the database', async () => {
    const server = await firstStart();
    await until(() => processesOf(server.dataDir).length === 2, 60_000);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    await until(() => processesOf(server.dataDir).length === 0, 10_000);
  }, 120_000);
});
