import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../../test/helpers/global-setup.ts';
import { startSmtpServer, type CapturingSmtp } from '../../test/helpers/smtp.ts';

const baseUrl = process.env.DATABASE_URL;
const dbName = `clientele_faults_${randomBytes(5).toString('hex')}`;
const ADMIN = { email: 'faults-admin@example.com', password: 'a-long-enough-password' };

/** A TCP proxy between the instance and PostgreSQL that can cut the line like a failing network. */
type Proxy = { port: number; cut(): void; restore(): void; close(): Promise<void> };

async function startProxy(target: URL): Promise<Proxy> {
  let open = true;
  const live = new Set<net.Socket>();
  const held = new Set<net.Socket>();
  const server = net.createServer((client) => {
    client.on('error', () => {});
    if (!open) {
      // Accepted and never answered, as when packets are dropped: only a timeout can end the wait.
      held.add(client);
      return;
    }
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    upstream.on('error', () => client.destroy());
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      live.add(a);
      a.on('close', () => {
        live.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      open = false;
      for (const s of live) s.destroy();
    },
    restore() {
      open = true;
      for (const s of held) s.destroy();
      held.clear();
    },
    close: async () => {
      for (const s of [...live, ...held]) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A free port in this suite's range. */
async function freePort(): Promise<number> {
  for (let port = 4200 + Math.floor(Math.random() * 90); port < 4300; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 4200-4299');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Answer = { status: number; retryAfter: string | null; body: unknown } | { dropped: string };

async function admin<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: withDatabase(baseUrl!, dbName) });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(!baseUrl)('an instance whose database fails', () => {
  let proxy: Proxy;
  let smtp: CapturingSmtp;
  let child: ChildProcess;
  let output = '';
  let apiUrl = '';
  let apiKey = '';

  /** Any HTTP answer, or the reason there was none (a reset, a hang past 10 s). */
  async function call(method: string, path: string, body?: unknown, headers = {}): Promise<Answer> {
    try {
      const res = await fetch(apiUrl + path, {
        method,
        headers: {
          ...(apiKey && { authorization: `Bearer ${apiKey}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      return {
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        body: text ? JSON.parse(text) : null,
      };
    } catch (err) {
      return { dropped: String(err) };
    }
  }

  async function waitForHealth(): Promise<void> {
    for (let i = 0; i < 120; i++) {
      const res = await call('GET', '/api/health');
      if ('status' in res && res.status === 200) return;
      await sleep(250);
    }
    throw new Error(`the instance did not become healthy:\n${output}`);
  }

  let contactCounter = 0;
  const newContact = (accountId: string) =>
    call('POST', `/api/accounts/${accountId}/contacts`, {
      email: `c${++contactCounter}-${randomBytes(3).toString('hex')}@faults.example`,
      firstName: 'Fault',
      lastName: `Tolerant ${contactCounter}`,
      sendEmail: 'accountactivation',
    });
  const newAccount = (name: string) => call('POST', '/api/accounts', { kind: 'business', name });

  beforeAll(async () => {
    const setup = new pg.Client({ connectionString: baseUrl });
    await setup.connect();
    await setup.query(`CREATE DATABASE ${dbName}`);
    await setup.end();
    const target = new URL(baseUrl!);
    proxy = await startProxy(target);
    smtp = await startSmtpServer({ parse: false });
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    const viaProxy = new URL(withDatabase(baseUrl!, dbName));
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    child = spawn(process.execPath, ['bin/clientele.js', 'serve'], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: apiUrl,
        DATABASE_URL: viaProxy.toString(),
        DATABASE_CONNECT_TIMEOUT_SECONDS: '2',
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        SMTP_URL: smtp.url,
        LOG_LEVEL: 'error',
      },
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    await waitForHealth();
    const signIn = await fetch(`${apiUrl}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const key = await call(
      'POST',
      '/api/api-keys',
      { name: 'faults', roles: ['administrator'] },
      { cookie, origin: apiUrl },
    );
    expect(key).toMatchObject({ status: 201 });
    apiKey = (key as { body: { key: string } }).body.key;
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await proxy?.close();
    await smtp?.close();
    const cleanup = new pg.Client({ connectionString: baseUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await cleanup.end();
  }, 60_000);

  it('keeps serving while its connections are terminated during writes: 201 or 503 + Retry-After, nothing half-written', async () => {
    const killer = new pg.Client({ connectionString: baseUrl });
    await killer.connect();
    let storming = true;
    let kills = 0;
    const storm = (async () => {
      while (storming) {
        const { rows } = await killer.query<{ n: number }>(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
            WHERE datname = $1 AND pid <> pg_backend_pid()`,
          [dbName],
        );
        kills += rows[0]!.n;
        await sleep(250);
      }
    })();

    const answers: Answer[] = [];
    const accounts: string[] = [];
    const contacts: { id: string; accountId: string }[] = [];
    const stopAt = Date.now() + 5_000;
    // On a busy machine five seconds of faults may let no write through: go on (up to 30 s) until one does.
    const giveUpAt = Date.now() + 30_000;
    const writing = () => Date.now() < stopAt || (accounts.length === 0 && Date.now() < giveUpAt);
    const writer = async (w: number) => {
      for (let i = 0; writing(); i++) {
        const account = await newAccount(`Fault ${w}-${i}`);
        answers.push(account);
        if (!('status' in account) || account.status !== 201) continue;
        const accountId = (account.body as { id: string }).id;
        accounts.push(accountId);
        const contact = await newContact(accountId);
        answers.push(contact);
        if ('status' in contact && contact.status === 201)
          contacts.push({ id: (contact.body as { id: string }).id, accountId });
      }
    };
    await Promise.all([writer(1), writer(2), writer(3)]);
    storming = false;
    await storm;
    await killer.end();

    expect(child.exitCode, output).toBeNull();
    expect(kills).toBeGreaterThan(0);
    const unexpected = answers.filter(
      (a) => !('status' in a) || !(a.status === 201 || (a.status === 503 && a.retryAfter === '5')),
    );
    expect(unexpected, output).toEqual([]);
    const unavailable = answers.filter((a) => 'status' in a && a.status === 503);
    for (const a of unavailable)
      expect((a as { body: { error: { code: string } } }).body.error.code).toBe('unavailable');
    // The faults did reach the writers (else this test proves nothing), and writes still got through.
    expect(unavailable.length).toBeGreaterThan(0);
    expect(accounts.length).toBeGreaterThan(0);

    await waitForHealth();
    const after = await newAccount('After the storm');
    expect(after).toMatchObject({ status: 201 });

    // Every write that was answered 201 is there whole; nothing exists half-written.
    const stored = await admin<{ id: string }>(
      `SELECT a.id FROM accounts a WHERE a.id = ANY($1::uuid[])
         AND EXISTS (SELECT 1 FROM audit_log l WHERE l.entity_id = a.id::text AND l.action = 'account.created')`,
      [accounts],
    );
    expect(stored.length).toBe(accounts.length);
    const linked = await admin<{ id: string }>(
      `SELECT c.id FROM contacts c JOIN contact_accounts ca ON ca.contact_id = c.id
        WHERE c.id = ANY($1::uuid[])
          AND EXISTS (SELECT 1 FROM audit_log l WHERE l.entity_id = c.id::text AND l.action = 'contact.created')
          AND EXISTS (SELECT 1 FROM emails e WHERE e.to_address = c.email)`,
      [contacts.map((c) => c.id)],
    );
    expect(linked.length).toBe(contacts.length);
    const [orphans] = await admin<{ contacts: number; accounts: number; emails: number }>(
      `SELECT
         (SELECT count(*)::int FROM contacts c
           WHERE NOT EXISTS (SELECT 1 FROM contact_accounts ca WHERE ca.contact_id = c.id)) AS contacts,
         (SELECT count(*)::int FROM accounts a WHERE NOT EXISTS
           (SELECT 1 FROM audit_log l WHERE l.entity_id = a.id::text AND l.action = 'account.created')) AS accounts,
         (SELECT count(*)::int FROM emails e WHERE e.to_address LIKE '%@faults.example'
           AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.email = e.to_address)) AS emails`,
    );
    expect(orphans).toEqual({ contacts: 0, accounts: 0, emails: 0 });
  }, 120_000);

  it('keeps delivering emails after its job connections were terminated, and never sends one twice', async () => {
    const account = await newAccount('Mail after the storm');
    expect(account).toMatchObject({ status: 201 });
    const contact = await newContact((account as { body: { id: string } }).body.id);
    expect(contact).toMatchObject({ status: 201 });
    const email = (contact as { body: { email: string } }).body.email;
    for (let i = 0; i < 80; i++) {
      const [row] = await admin<{ status: string }>(`SELECT status FROM emails WHERE to_address = $1`, [
        email,
      ]);
      if (row?.status === 'sent') break;
      await sleep(250);
    }
    const [row] = await admin<{ status: string; message_id: string }>(
      `SELECT status, message_id FROM emails WHERE to_address = $1`,
      [email],
    );
    expect(row?.status, output).toBe('sent');
    expect(smtp.messages.map((m) => m.messageId)).toContain(row!.message_id);
    for (const [id, n] of smtp.countsByMessageId()) expect(n, id ?? 'no Message-ID').toBe(1);
    expect(child.exitCode).toBeNull();
  }, 60_000);

  it('answers 503 + Retry-After promptly while the database is unreachable, and recovers without a restart', async () => {
    proxy.cut();
    try {
      const during = await Promise.all([
        newAccount('While cut'),
        call('GET', '/api/accounts'),
        call('GET', '/api/health'),
        // A rate-limited route: its limit is counted in the database.
        call('POST', '/api/session', ADMIN),
      ]);
      for (const answer of during) {
        // A hang past 10 s shows up here as `dropped`.
        expect(answer, output).toMatchObject({ status: 503, retryAfter: '5' });
        expect((answer as { body: { error: { code: string } } }).body.error.code).toBe('unavailable');
      }
      // Workers and timers keep failing meanwhile; the process must not.
      await sleep(3_000);
      expect(child.exitCode, output).toBeNull();
    } finally {
      proxy.restore();
    }
    await waitForHealth();
    const account = await newAccount('After the cut');
    expect(account).toMatchObject({ status: 201 });
    const contact = await newContact((account as { body: { id: string } }).body.id);
    expect(contact).toMatchObject({ status: 201 });
    const email = (contact as { body: { email: string } }).body.email;
    let status = '';
    for (let i = 0; i < 80 && status !== 'sent'; i++) {
      await sleep(250);
      status =
        (await admin<{ status: string }>(`SELECT status FROM emails WHERE to_address = $1`, [email]))[0]
          ?.status ?? '';
    }
    expect(status, output).toBe('sent');
  }, 90_000);

  it('rides out a dead SMTP server: the email waits for a retry and the instance stays up', async () => {
    await smtp.down();
    try {
      const account = await newAccount('Mail while SMTP is down');
      const contact = await newContact((account as { body: { id: string } }).body.id);
      expect(contact).toMatchObject({ status: 201 });
      const email = (contact as { body: { email: string } }).body.email;
      let row: { status: string; outcome: string | null } | undefined;
      for (let i = 0; i < 80 && !row?.outcome; i++) {
        await sleep(250);
        [row] = await admin<{ status: string; outcome: string | null }>(
          `SELECT e.status, (SELECT outcome FROM email_attempts a WHERE a.email_id = e.id LIMIT 1) AS outcome
             FROM emails e WHERE e.to_address = $1`,
          [email],
        );
      }
      expect(row).toEqual({ status: 'queued', outcome: 'temporary-failure' });
      expect(child.exitCode, output).toBeNull();
      expect(await call('GET', '/api/health')).toMatchObject({ status: 200 });
    } finally {
      await smtp.up();
    }
  }, 60_000);

  it('stops within seconds on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});

describe('an instance whose database is unreachable at start', () => {
  /** `clientele serve` on a database URL, with its stderr. */
  function serveOn(databaseUrl: string, port: number) {
    const child = spawn(process.execPath, ['bin/clientele.js', 'serve'], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: databaseUrl,
        DATABASE_CONNECT_TIMEOUT_SECONDS: '1',
        LOG_LEVEL: 'error',
      },
    });
    const io = { stderr: '' };
    child.stderr.setEncoding('utf8').on('data', (d: string) => (io.stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    return { child, io, exited };
  }

  const until = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) => {
    for (const deadline = Date.now() + timeoutMs; !(await check()); await sleep(100))
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  };

  it('waits for it with a one-line message, and stops on SIGTERM', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise((r) => closed.close(r));
    const { child, io, exited } = serveOn(
      `postgres://postgres@127.0.0.1:${port}/clientele`,
      await freePort(),
    );
    try {
      // Two attempts: it tried, said so, and tried again rather than exit.
      await until(() => (io.stderr.match(/trying again in/g) ?? []).length >= 2, 'two attempts');
      expect(child.exitCode, io.stderr).toBeNull();
      expect(io.stderr).toContain('clientele: the database is not reachable (');
      expect(io.stderr).not.toMatch(/\n\s+at /);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  it.skipIf(!baseUrl)(
    'comes up by itself once the database answers',
    async () => {
      const name = `clientele_late_${randomBytes(5).toString('hex')}`;
      const setup = new pg.Client({ connectionString: baseUrl });
      await setup.connect();
      await setup.query(`CREATE DATABASE ${name}`);
      const proxy = await startProxy(new URL(baseUrl!));
      proxy.cut();
      const viaProxy = new URL(withDatabase(baseUrl!, name));
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(proxy.port);
      const port = await freePort();
      const { child, io, exited } = serveOn(viaProxy.toString(), port);
      try {
        await until(() => io.stderr.includes('trying again in'), 'a failed attempt');
        proxy.restore();
        const healthy = async () =>
          (await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => null))?.status === 200;
        await until(healthy, 'the instance to answer', 45_000);
        expect(child.exitCode, io.stderr).toBeNull();
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      } finally {
        child.kill('SIGKILL');
        await proxy.close();
        await setup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await setup.end();
      }
    },
    90_000,
  );
});
