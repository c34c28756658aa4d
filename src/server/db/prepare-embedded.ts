// A fresh embedded database is created (initdb, migrations, seed) by a child process: PGlite's WebAssembly
// memory never shrinks, and what that work used (hundreds of MiB) leaves with the child instead of staying
// with the server for its life.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Whether the embedded database in dataDir has yet to be created. */
export const isFreshDataDir = (dataDir: string): boolean => !fs.existsSync(path.join(dataDir, 'pgdata'));

/**
 * Runs `clientele migrate` in a child process with this process's environment, when this process is the
 * CLI (bin/clientele.js); returns false (nothing done) when it is not, e.g. a test harness calling serve().
 */
export async function prepareEmbeddedInChild(onChild: (child: ChildProcess) => void): Promise<boolean> {
  const script = process.argv[1];
  if (!script || path.basename(script) !== 'clientele.js') return false;
  const child = spawn(process.execPath, [...process.execArgv, script, 'migrate'], {
    env: process.env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  onChild(child);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode));
  });
  if (code !== 0) throw new Error(`creating the embedded database failed (exit code ${String(code)})`);
  return true;
}
