import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

/** How long a server may take to become ready: more on a machine busy with other work (`E2E_SERVER_START_MS`). */
const startTimeoutMs = Number(process.env.E2E_SERVER_START_MS ?? 60_000);

/** Whether a port on 127.0.0.1 is free now; `0` asks the system for any free one. */
function listenable(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as net.AddressInfo;
      server.close(() => resolve(bound));
    });
    server.on('error', () => resolve(null));
  });
}

/**
 * A free port: any, or one of `E2E_PORTS` (`7100-7199`) where several people's runs share a machine
 * and each keeps to its range.
 */
export async function freePort(): Promise<number> {
  const range = /^(\d+)-(\d+)$/.exec(process.env.E2E_PORTS ?? '');
  if (!range) return (await listenable(0))!;
  const [low, high] = [Number(range[1]), Number(range[2])];
  const start = low + Math.floor(Math.random() * (high - low + 1));
  for (let i = 0; i <= high - low; i++) {
    const port = await listenable(low + ((start - low + i) % (high - low + 1)));
    if (port) return port;
  }
  throw new Error(`No free port in E2E_PORTS ${process.env.E2E_PORTS}`);
}

export interface RunningServer {
  baseUrl: string;
  /** Every line the server printed so far. */
  output: string[];
  /** Resolves to the first captured group of the first output line matching `pattern`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Runs the real product (`node bin/clientele.js serve`) on a free port with a fresh embedded database,
 * like global-setup, but with the environment the caller chooses (ADMIN_* are never inherited).
 */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-e2e-'));
  const baseUrl = `http://127.0.0.1:${port}`;
  const inherited = { ...process.env };
  delete inherited.ADMIN_EMAIL;
  delete inherited.ADMIN_PASSWORD;
  const child: ChildProcess = spawn(process.execPath, ['bin/clientele.js', 'serve'], {
    env: {
      ...inherited,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      PUBLIC_URL: baseUrl,
      DATABASE_URL: '',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const waiters = new Set<() => void>();
  for (const stream of [child.stdout!, child.stderr!]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      for (const wake of waiters) wake();
    });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    for (const wake of waiters) wake();
  });

  const waitForOutput = (pattern: RegExp, timeoutMs = startTimeoutMs) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        for (const line of output) {
          const m = pattern.exec(line);
          if (m) return done(() => resolve(m[1] ?? m[0]));
        }
        if (child.exitCode !== null || child.signalCode !== null) {
          done(() => reject(new Error(`the server exited:\n${output.join('\n')}`)));
        }
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no output matched ${pattern} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killed);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`the server exited with ${child.exitCode}:\n${output.join('\n')}`);
      try {
        const res = await fetch(`${baseUrl}/api/health`);
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`the server did not become ready within ${startTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { baseUrl, output, waitForOutput, stop };
}
