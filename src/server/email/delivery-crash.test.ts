import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../../../test/helpers/global-setup.ts';
import { startSmtpServer, type CapturingSmtp } from '../../../test/helpers/smtp.ts';

const baseUrl = process.env.DATABASE_URL;
const dbName = `clientele_crash_${randomBytes(5).toString('hex')}`;
const ADMIN = { email: 'crash-admin@example.com', password: 'a-long-enough-password' };
const EMAILS = 120;
// Two SMTP connections: each instance has four emails in flight at most (twice its connections).
const IN_FLIGHT_PER_INSTANCE = 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: withDatabase(baseUrl!, dbName) });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

type Instance = { child: ChildProcess; url: string; output: () => string };

/** A real `clientele serve` on the shared database, delivering to the test's SMTP server. */
async function startInstance(smtpUrl: string): Promise<Instance> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(process.execPath, ['bin/clientele.js', 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      DATABASE_URL: withDatabase(baseUrl!, dbName),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      SMTP_URL: `${smtpUrl}?maxConnections=2`,
      EMAIL_LEASE_SECONDS: '3',
      LOG_LEVEL: 'error',
    },
  });
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  for (let i = 0; i < 240; i++) {
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, url, output: () => output };
    await sleep(250);
  }
  throw new Error(`the instance did not become healthy:\n${output}`);
}

describe.skipIf(!baseUrl)('email delivery when one of two instances is killed mid-delivery', () => {
  let smtp: CapturingSmtp;
  let first: Instance;
  let second: Instance;

  beforeAll(async () => {
    const setup = new pg.Client({ connectionString: baseUrl });
    await setup.connect();
    await setup.query(`CREATE DATABASE ${dbName}`);
    await setup.end();
    // A slow server: each message is held a moment, so every instance always has some in flight.
    smtp = await startSmtpServer({ parse: false, delayMs: 150 });
    // One after the other: the first migrates the empty database and creates the administrator.
    first = await startInstance(smtp.url);
    second = await startInstance(smtp.url);
  }, 120_000);

  afterAll(async () => {
    for (const instance of [first, second]) {
      if (instance && instance.child.exitCode === null && instance.child.signalCode === null) {
        const exited = new Promise((r) => instance.child.once('exit', r));
        instance.child.kill('SIGTERM');
        await exited;
      }
    }
    await smtp?.close();
    const cleanup = new pg.Client({ connectionString: baseUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await cleanup.end();
  }, 60_000);

  it('loses nothing; only the emails in flight are sent twice, with the same Message-ID', async () => {
    const signIn = await fetch(`${first.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: first.url },
      body: JSON.stringify(ADMIN),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${first.url}${path}`, {
        method: 'POST',
        headers: { cookie, origin: first.url, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      return (await res.json()) as { id: string };
    };
    const account = await post('/api/accounts', { kind: 'business', name: 'Crash Test Ltd' });
    const lines = Array.from({ length: EMAILS }, (_, i) => `crash${i}@crash.example,Crash,Number${i}`);
    await post('/api/contacts/bulk', { accountId: account.id, text: lines.join('\n'), logins: 'activation' });

    // Both instances deliver; the first dies without a word once a part has gone out.
    await smtp.waitFor(EMAILS / 4, 60_000);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const inFlightAtKill = await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM emails WHERE status = 'sending'`,
    );

    // The survivor sends the rest, and takes over what the dead one held once its lease lapsed.
    for (let i = 0; ; i++) {
      const [open] = await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM emails WHERE status <> 'sent'`,
      );
      if (open!.n === 0) break;
      if (i > 600) throw new Error(`${open!.n} emails still not sent:\n${second.output()}`);
      await sleep(250);
    }

    const rows = await query<{ message_id: string; secrets: unknown }>(
      `SELECT message_id, secrets FROM emails WHERE to_address LIKE '%@crash.example'`,
    );
    expect(rows).toHaveLength(EMAILS);
    // Sent, so no raw token is kept any more.
    expect(rows.filter((r) => r.secrets !== null)).toEqual([]);
    const counts = smtp.countsByMessageId();
    // Nothing lost: every email arrived, under its own Message-ID.
    expect(rows.filter((r) => !counts.has(r.message_id))).toEqual([]);
    const duplicated = [...counts].filter(([, n]) => n > 1);
    // Only what the dead instance had in flight can arrive twice; nothing arrives three times.
    expect(duplicated.length).toBeLessThanOrEqual(IN_FLIGHT_PER_INSTANCE);
    expect(duplicated.every(([, n]) => n === 2)).toBe(true);
    expect(smtp.messages).toHaveLength(EMAILS + duplicated.length);
    expect(inFlightAtKill[0]!.n).toBeLessThanOrEqual(2 * IN_FLIGHT_PER_INSTANCE);
    // The survivor never stopped.
    expect(second.child.exitCode).toBeNull();
  }, 240_000);
});
