import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../../config.ts';
import { openDatabase } from '../../db/client.ts';
import { openRuntime } from '../../runtime.ts';
import { createTestApp, type TestApp } from '../../../../test/helpers/app.ts';
import { startReceiver } from '../../../../test/helpers/webhook-receiver.ts';
import { recordEvents } from '../events/index.ts';
import { createWebhookSender } from './webhook-delivery.ts';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const ENV = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_SCHEDULE: '0,0,0,0' };

let t: TestApp;
let receiver: Receiver;
let admin: Awaited<ReturnType<TestApp['employee']>>;

async function setUp(env: Record<string, string> = {}) {
  t = await createTestApp({ ...ENV, ...env });
  receiver = await startReceiver();
  admin = await t.employee(['administrator']);
}

afterEach(async () => {
  await receiver.close();
  await t.close();
});

async function endpoint(body: Record<string, unknown> = {}) {
  const res = await admin.post('/api/webhooks', { url: `${receiver.url}/hook`, eventTypes: ['*'], ...body });
  expect(res.statusCode).toBe(201);
  return res.json<{ id: string; secret: string }>();
}

async function emit(
  type: 'account.created' | 'account.updated' = 'account.created',
  accountId: string | null = null,
  data: Record<string, unknown> = { id: 'a1' },
) {
  await recordEvents(t.deps.database.db, [{ scopeId: t.deps.scopeId, type, accountId, data }]);
}

/** Runs the worker until nothing is left to send now or `until` holds (a Retry-After is waited for). */
async function drain(until?: () => Promise<boolean>, maxMs = 8000) {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    const n = await t.deps.webhooks.runOnce();
    if (until ? await until() : n === 0) return;
    if (n === 0) await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the deliveries did not settle');
}

const deliveries = () =>
  t.deps.database.db
    .selectFrom('webhook_deliveries')
    .select(['id', 'type', 'status', 'attempts', 'last_status', 'last_error', 'next_attempt_at'])
    .orderBy('seq')
    .execute();

const attempts = () =>
  t.deps.database.db.selectFrom('webhook_attempts').selectAll().orderBy('created_at').execute();

const verify = (secret: string, r: { body: string; headers: Record<string, string> }) =>
  new Webhook(secret).verify(r.body, r.headers) as {
    type: string;
    data: unknown;
    timestamp: string;
    version: number;
  };

describe('webhook delivery', () => {
  beforeEach(() => setUp());

  it('delivers an event once per matching endpoint, signed so the standardwebhooks library verifies it', async () => {
    const all = await endpoint();
    const onlyContacts = await endpoint({ eventTypes: ['contact.created'] });
    await emit('account.created', null, { id: 'a1', name: 'Acme' });
    await drain();
    expect(receiver.received).toHaveLength(1);
    const [r] = receiver.received;
    const payload = verify(all.secret, r!);
    expect(payload).toMatchObject({ type: 'account.created', version: 1, data: { id: 'a1', name: 'Acme' } });
    expect(() => verify(onlyContacts.secret, r!)).toThrow();
    const [d] = await deliveries();
    expect(r!.headers['webhook-id']).toBe(d!.id);
    expect(d).toMatchObject({ status: 'succeeded', attempts: 1, last_status: 200 });
    const [a] = await attempts();
    expect(a).toMatchObject({ response_status: 200, response_body: 'ok', request_body: r!.body });
  });

  it('retries a 500 with the same webhook-id until a 200, and records every attempt', async () => {
    const ep = await endpoint();
    receiver.respondWith((_r, n) => (n < 3 ? { status: 500, body: 'down' } : { status: 200 }));
    await emit();
    await drain(async () => (await deliveries())[0]?.status === 'succeeded');
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const r of receiver.received) expect(verify(ep.secret, r).type).toBe('account.created');
    expect((await attempts()).map((a) => a.response_status)).toEqual([500, 500, 200]);
    expect(
      (
        await t.deps.database.db
          .selectFrom('webhook_endpoints')
          .select('failing_since')
          .executeTakeFirstOrThrow()
      ).failing_since,
    ).toBeNull();
  });

  it('gives up after the last step of the schedule', async () => {
    await endpoint();
    receiver.respondWith(() => ({ status: 503 }));
    await emit();
    await drain();
    expect(receiver.received).toHaveLength(4);
    expect(await deliveries()).toMatchObject([{ status: 'failed', attempts: 4, last_status: 503 }]);
  });

  it('disables the endpoint at once on 410 and emails the administrators', async () => {
    const ep = await endpoint();
    receiver.respondWith(() => ({ status: 410 }));
    await emit();
    await drain();
    await emit();
    await drain();
    expect(receiver.received).toHaveLength(1);
    const got = await admin.get(`/api/webhooks/${ep.id}`);
    expect(got.json()).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('410') });
    const emails = await t.deps.database.db
      .selectFrom('emails')
      .select(['to_address', 'subject', 'text'])
      .where('template_key', '=', 'webhook-disabled')
      .execute();
    expect(emails.map((e) => e.to_address)).toContain(admin.email);
    expect(emails[0]!.text).toContain(`${receiver.url}/hook`);
    // A disabled endpoint is not subscribed: the next event makes no delivery for it.
    expect((await deliveries()).map((d) => d.status)).toEqual(['failed']);
  });

  it('does not follow a redirect: a 302 is a failure, and nothing reaches the target', async () => {
    await endpoint();
    receiver.respondWith((r) =>
      r.path === '/hook'
        ? { status: 302, headers: { location: `${receiver.url}/elsewhere` } }
        : { status: 200 },
    );
    await emit();
    await drain();
    expect(receiver.received.map((r) => r.path)).toEqual(['/hook']);
    expect(await deliveries()).toMatchObject([{ status: 'failed', last_status: 302 }]);
    expect((await deliveries())[0]!.last_error).toContain('redirects are not followed');
  });

  it('honours Retry-After on a 429', async () => {
    await endpoint();
    receiver.respondWith((_r, n) =>
      n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 },
    );
    await emit();
    await t.deps.webhooks.runOnce();
    const [first] = await attempts();
    const [pending] = await deliveries();
    expect(pending!.status).toBe('pending');
    expect(pending!.next_attempt_at!.getTime() - first!.created_at.getTime()).toBeGreaterThanOrEqual(900);
    await drain(async () => (await deliveries())[0]?.status === 'succeeded');
    expect(receiver.received).toHaveLength(2);
  });

  it('delivers the events of one account in order, holding the later ones while an earlier one is retried', async () => {
    await endpoint();
    const account = await t.deps.database.db
      .insertInto('accounts')
      .values({
        scope_id: t.deps.scopeId,
        kind: 'business',
        name: 'Order Co',
        number: 'W-ORDER',
        status: 'active',
      } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    receiver.respondWith((_r, n) => (n === 1 ? { status: 500 } : { status: 200 }));
    await emit('account.created', account.id, { n: 1 });
    await emit('account.updated', account.id, { n: 2 });
    await emit('account.updated', account.id, { n: 3 });
    await drain(async () => (await deliveries()).every((d) => d.status === 'succeeded'));
    const order = receiver.received.map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n);
    expect(order).toEqual([1, 1, 2, 3]);
  });

  it('re-sends a delivery with the same webhook-id, and replays the failed ones', async () => {
    const ep = await endpoint();
    receiver.respondWith(() => ({ status: 404 }));
    await emit();
    await emit();
    await drain();
    expect((await deliveries()).map((d) => d.status)).toEqual(['failed', 'failed']);
    receiver.respondWith(() => ({ status: 200 }));
    const [first, second] = await deliveries();
    expect((await admin.post(`/api/webhooks/${ep.id}/deliveries/${first!.id}/resend`)).statusCode).toBe(202);
    await drain();
    expect(receiver.received.at(-1)!.headers['webhook-id']).toBe(first!.id);
    expect((await admin.post(`/api/webhooks/${ep.id}/deliveries/${first!.id}/resend`)).statusCode).toBe(202);
    const replay = await admin.post(`/api/webhooks/${ep.id}/replay`, {
      since: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(replay.json()).toEqual({ resent: 1 });
    await drain();
    expect(
      receiver.received
        .slice(-2)
        .map((r) => r.headers['webhook-id'])
        .sort(),
    ).toEqual([first!.id, second!.id].sort());
    expect((await deliveries()).map((d) => d.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('signs with both secrets after a rotation, and with the new one alone after the overlap', async () => {
    const ep = await endpoint();
    const rotated = await admin.post(`/api/webhooks/${ep.id}/rotate-secret`);
    expect(rotated.statusCode).toBe(200);
    const { secret: fresh, previousSecretUntil } = rotated.json<{
      secret: string;
      previousSecretUntil: string;
    }>();
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(ep.secret);
    expect(new Date(previousSecretUntil).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    await emit();
    await drain();
    const r = receiver.received[0]!;
    expect(r.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verify(fresh, r).type).toBe('account.created');
    expect(verify(ep.secret, r).type).toBe('account.created');
    await t.deps.database.db
      .updateTable('webhook_endpoints')
      .set({ previous_secret_until: new Date(Date.now() - 1000) })
      .execute();
    await emit();
    await drain();
    const later = receiver.received[1]!;
    expect(verify(fresh, later).type).toBe('account.created');
    expect(() => verify(ep.secret, later)).toThrow();
  });

  it('sends a test event to one endpoint', async () => {
    const ep = await endpoint();
    await endpoint();
    const res = await admin.post(`/api/webhooks/${ep.id}/test`);
    expect(res.statusCode).toBe(202);
    await drain();
    expect(receiver.received).toHaveLength(1);
    expect(verify(ep.secret, receiver.received[0]!)).toMatchObject({
      type: 'webhook.test',
      data: { webhookId: ep.id },
    });
    const log = await admin.get(`/api/webhooks/${ep.id}/deliveries`);
    expect(log.json()).toMatchObject({
      items: [
        {
          id: res.json<{ deliveryId: string }>().deliveryId,
          type: 'webhook.test',
          status: 'succeeded',
          attemptLog: [
            {
              attempt: 1,
              responseStatus: 200,
              responseBody: 'ok',
              requestHeaders: { 'webhook-id': res.json<{ deliveryId: string }>().deliveryId },
            },
          ],
        },
      ],
      nextCursor: null,
    });
  });

  it('disables an endpoint that has failed for longer than the configured days, with an email', async () => {
    const ep = await endpoint();
    receiver.respondWith(() => ({ status: 500 }));
    await t.deps.database.db
      .updateTable('webhook_endpoints')
      .set({ failing_since: new Date(Date.now() - 6 * 86400_000) })
      .execute();
    await emit();
    await t.deps.webhooks.runOnce();
    expect((await admin.get(`/api/webhooks/${ep.id}`)).json()).toMatchObject({ enabled: false });
    expect(
      await t.deps.database.db
        .selectFrom('emails')
        .select('id')
        .where('template_key', '=', 'webhook-disabled')
        .execute(),
    ).toHaveLength(1);
  });

  it('reuses its connections to a receiver: one for deliveries in turn, no new ones for the next burst', async () => {
    await endpoint();
    for (let i = 0; i < 5; i++) {
      await emit();
      await drain();
    }
    expect(receiver.received).toHaveLength(5);
    expect(receiver.connections).toBe(1);
    // Ten at once open up to ten connections; ten more at once go out on those.
    for (let i = 0; i < 10; i++) await emit();
    await drain();
    const afterBurst = receiver.connections;
    expect(afterBurst).toBeGreaterThan(1);
    for (let i = 0; i < 10; i++) await emit();
    await drain();
    expect(receiver.received).toHaveLength(25);
    expect(receiver.connections).toBe(afterBurst);
    expect((await deliveries()).every((d) => d.status === 'succeeded')).toBe(true);
  });

  it('opens a new connection after an answer it does not read to the end', async () => {
    await endpoint();
    receiver.respondWith(() => ({ status: 200, body: 'x'.repeat(100_000) }));
    await emit();
    await drain();
    await emit();
    await drain();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.connections).toBe(2);
    expect((await attempts()).map((a) => a.response_body?.length)).toEqual([4096, 4096]);
  });

  it('gives a delivery back untouched when the worker stops mid-request', async () => {
    await endpoint();
    receiver.respondWith(() => 'hang');
    await emit();
    t.deps.webhooks.start();
    while (receiver.received.length === 0) await new Promise((r) => setTimeout(r, 20));
    await t.deps.webhooks.stop();
    expect(await deliveries()).toMatchObject([{ status: 'pending', attempts: 0 }]);
    expect(await attempts()).toEqual([]);
  });
});

describe('webhook delivery with a short timeout', () => {
  beforeEach(() => setUp({ WEBHOOK_TIMEOUT_SECONDS: '0.2', WEBHOOK_RETRY_SCHEDULE: '0,0' }));

  it('counts a hanging receiver as a failed attempt and retries it', async () => {
    await endpoint();
    receiver.respondWith((_r, n) => (n === 1 ? 'hang' : { status: 200 }));
    await emit();
    await drain(async () => (await deliveries())[0]?.status === 'succeeded');
    const log = await attempts();
    expect(log[0]).toMatchObject({
      response_status: null,
      error: expect.stringContaining('No answer within'),
    });
    expect(log[1]).toMatchObject({ response_status: 200 });
  });
});

describe('private targets at delivery time', () => {
  beforeEach(() => setUp());

  it('refuses to deliver to a loopback address when private targets are not allowed', async () => {
    await endpoint({ url: `http://localhost:${receiver.port}/hook` });
    await endpoint({ url: `${receiver.url}/hook` });
    // The allowing sender keeps connections to the receiver open: the strict one must not reuse them.
    await emit();
    await drain();
    expect(receiver.received).toHaveLength(2);
    await t.deps.database.db.deleteFrom('webhook_attempts').execute();
    await t.deps.database.db.deleteFrom('webhook_deliveries').execute();
    receiver.received.length = 0;
    const strict = createWebhookSender(t.deps.database.db, t.deps.outbox, {
      ...t.deps.config.webhooks,
      allowPrivate: false,
      publicUrl: t.deps.config.publicUrl,
    });
    await emit();
    await strict.runOnce();
    expect(receiver.received).toHaveLength(0);
    const rows = await deliveries();
    expect(rows.map((d) => d.status)).toEqual(['failed', 'failed']);
    for (const d of rows) expect(d.last_error).toMatch(/private or loopback/);
    await strict.stop();
  });
});

describe('the running sender', () => {
  beforeEach(() => setUp({ WEBHOOK_POLL_SECONDS: '60' }));

  it('delivers an event written on this instance at once, not at its next poll a minute later', async () => {
    await endpoint();
    t.deps.webhooks.start();
    try {
      // Its first pass finds nothing and the next poll is a minute away.
      await new Promise((r) => setTimeout(r, 500));
      const res = await admin.post('/api/accounts', { kind: 'business', name: 'Woken Ltd' });
      expect(res.statusCode, res.body).toBe(201);
      for (const end = Date.now() + 15_000; !receiver.received.length && Date.now() < end;)
        await new Promise((r) => setTimeout(r, 50));
      expect(receiver.received.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual([
        'account.created',
      ]);
    } finally {
      await t.deps.webhooks.stop();
    }
  });
});

describe.runIf(process.env.DATABASE_URL)('two instances on PostgreSQL', () => {
  beforeEach(() => setUp({ WEBHOOK_POLL_SECONDS: '60' }));

  /** An event and its delivery written as another instance would, without this process's in-process news. */
  const writeElsewhere = async (endpointId: string, n: number) =>
    sql`
      WITH ev AS (
        INSERT INTO events (scope_id, type, account_id, data)
        VALUES (${t.deps.scopeId}, 'account.created', NULL, ${JSON.stringify({ n })}::jsonb)
        RETURNING id, seq, type, account_id
      )
      INSERT INTO webhook_deliveries (endpoint_id, event_id, type, account_id, seq, next_attempt_at)
      SELECT ${endpointId}, ev.id, ev.type, ev.account_id, ev.seq, now() FROM ev`.execute(t.deps.database.db);

  const receivedWithin = async (count: number, ms: number) => {
    for (const end = Date.now() + ms; receiver.received.length < count && Date.now() < end;)
      await new Promise((r) => setTimeout(r, 50));
    return receiver.received.length;
  };

  it('wakes the other instance’s sender at the commit (LISTEN/NOTIFY), not at its poll a minute later', async () => {
    const ep = await endpoint();
    const database = await openDatabase({ databaseUrl: t.deps.database.url!, poolSize: 4 });
    const other = await openRuntime(
      loadConfig({
        PUBLIC_URL: 'http://clientele.test',
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_POLL_SECONDS: '60',
      }),
      database,
    );
    other.webhooks.start();
    try {
      // Its first pass finds nothing and its next poll is a minute away.
      await new Promise((r) => setTimeout(r, 1000));
      await writeElsewhere(ep.id, 1);
      expect(await receivedWithin(1, 5000)).toBe(1);
      // The listening connection is cut: it is made again, and the next delivery wakes the sender too.
      const cut = await sql<{ ok: boolean }>`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN %'`.execute(t.deps.database.db);
      expect(cut.rows).toEqual([{ ok: true }]);
      await new Promise((r) => setTimeout(r, 2500));
      await writeElsewhere(ep.id, 2);
      expect(await receivedWithin(2, 5000)).toBe(2);
      expect(receiver.received.map((r) => (JSON.parse(r.body) as { data: unknown }).data)).toEqual([
        { n: 1 },
        { n: 2 },
      ]);
    } finally {
      await other.close();
    }
  });
});
