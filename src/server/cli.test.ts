import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-cli-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function clientele(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, ['bin/clientele.js', ...args], {
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
}

describe.skipIf(!!process.env.DATABASE_URL)('the clientele command line', () => {
  it('creates an employee, and refuses bad input with a message instead of a stack trace', async () => {
    const short = await clientele(
      ['employee', 'create', '--email', 'ops@example.com', '--role', 'customerView'],
      {
        CLIENTELE_PASSWORD: 'short',
      },
    );
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('password: Use at least 10 characters');
    expect(short.stderr).not.toMatch(/\n\s+at /);

    const common = await clientele(
      ['employee', 'create', '--email', 'ops@example.com', '--role', 'customerView'],
      {
        CLIENTELE_PASSWORD: '1234567890',
      },
    );
    expect(common.code).toBe(1);
    expect(common.stderr).toContain('too common');

    const ok = await clientele(
      ['employee', 'create', '--email', 'ops@example.com', '--role', 'customerView', '--role', 'companyView'],
      { CLIENTELE_PASSWORD: 'a-long-enough-password' },
    );
    expect(ok.stdout).toContain('Created employee ops@example.com (customerView, companyView).');

    const again = await clientele([
      'employee',
      'create',
      '--email',
      'OPS@example.com',
      '--role',
      'customerView',
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('An employee with this email already exists');
  }, 90_000);
});
