import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './client.ts';
import { DataDirLockedError } from './lock.ts';
import { migrateToLatest } from './migrate.ts';

const run = promisify(execFile);
const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-db-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!!process.env.DATABASE_URL)('the embedded database directory', () => {
  it('keeps data across a close and a reopen, and refuses a second opener while open', async () => {
    const dir = tempDir();
    const first = await openDatabase({ dataDir: dir });
    await migrateToLatest(first.db);
    await first.db.insertInto('roles').values({ key: 'buyer', name: 'Buyer', description: null }).execute();

    await expect(openDatabase({ dataDir: dir })).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(openDatabase({ dataDir: dir })).rejects.toThrow(/in use by another Clientele process/);

    await first.close();
    const again = await openDatabase({ dataDir: dir });
    const roles = await again.db.selectFrom('roles').select('key').execute();
    expect(roles).toEqual([{ key: 'buyer' }]);
    // Migrating an up-to-date database applies nothing.
    expect(await migrateToLatest(again.db)).toEqual([]);
    await again.close();
  }, 60_000);

  it('makes a second process fail with a clear message instead of sharing the directory', async () => {
    const dir = tempDir();
    const holder = await openDatabase({ dataDir: dir });
    try {
      const result = await run(process.execPath, ['bin/clientele.js', 'migrate'], {
        env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '' },
      }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => err,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('is in use by another Clientele process');
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      await holder.close();
    }
  }, 60_000);
});
