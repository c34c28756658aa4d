import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { startReceiver } from '../../../../test/helpers/webhook-receiver.ts';
import { connectErp } from './erp.test-helpers.ts';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
type AccountBody = {
  id: string;
  number: string;
  erpSync: { state: string; attempts: number; lastError: string | null };
};

describe('an ERP push that cannot arrive', () => {
  let t: TestApp;
  let admin: Client;
  let erp: Client;
  let receiver: Receiver;
  beforeAll(async () => {
    t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_SCHEDULE: '0,0' });
    admin = await t.employee(['administrator']);
    ({ erp } = await connectErp(t, admin));
    receiver = await startReceiver();
    expect((await admin.patch('/api/settings', { erpSyncPolicy: 'manual' })).statusCode).toBe(200);
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  let n = 0;
  const account = async () => {
    const res = await admin.post('/api/accounts', { kind: 'business', name: `Unsent ${++n}` });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<AccountBody>();
  };
  const push = async (id: string) => {
    const res = await admin.post(`/api/accounts/${id}/erp-push`, {});
    expect(res.statusCode, res.body).toBe(200);
    return res.json<AccountBody>().erpSync;
  };
  const read = async (id: string) => (await admin.get(`/api/accounts/${id}`)).json<AccountBody>().erpSync;
  const failedIds = async () =>
    (await admin.get('/api/accounts?erpSync=failed&limit=100'))
      .json<{ items: AccountBody[] }>()
      .items.map((a) => a.id);
  const endpoint = async (eventTypes = ['account.sync-requested'], path = '/erp') => {
    const res = await admin.post('/api/webhooks', { url: `${receiver.url}${path}`, eventTypes });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  };
  const drain = async () => {
    for (let i = 0; i < 50 && (await t.deps.webhooks.runOnce()) > 0; i++);
  };

  it('fails at once when no enabled endpoint takes account.sync-requested, and is found by the filter', async () => {
    const other = await endpoint(['account.created']);
    const a = await account();
    const sync = await push(a.id);
    expect(sync).toMatchObject({ state: 'failed', attempts: 1 });
    expect(sync.lastError).toContain('No enabled webhook endpoint receives account.sync-requested');
    expect(await failedIds()).toContain(a.id);
    // The event is still recorded: once an endpoint exists, Push again re-queues it.
    const id = await endpoint();
    expect(await push(a.id)).toMatchObject({ state: 'queued', attempts: 2, lastError: null });
    expect(await failedIds()).not.toContain(a.id);
    for (const e of [id, other]) expect((await admin.delete(`/api/webhooks/${e}`)).statusCode).toBe(204);
  });

  it('fails when every delivery of the push exhausted its retries; Push again re-queues; the ERP upsert syncs', async () => {
    const id = await endpoint();
    receiver.respondWith(() => ({ status: 503, body: 'ERP down' }));
    const a = await account();
    expect(await push(a.id)).toMatchObject({ state: 'queued', attempts: 1 });
    await drain();
    const failed = await read(a.id);
    expect(failed).toMatchObject({ state: 'failed', attempts: 1 });
    expect(failed.lastError).toBe(
      `The push did not reach the ERP: ${receiver.url}/erp: HTTP 503 (2 attempts)`,
    );
    expect(await failedIds()).toContain(a.id);

    receiver.respondWith(() => ({ status: 200 }));
    expect(await push(a.id)).toMatchObject({ state: 'queued', attempts: 2, lastError: null });
    await drain();
    // Delivered: it waits for the ERP to create the customer.
    expect(await read(a.id)).toMatchObject({ state: 'queued' });
    const linked = await erp.put('/api/erp/accounts/C-FAIL-1', {
      name: 'Unsent',
      webAccountNumber: a.number,
    });
    expect(linked.statusCode, linked.body).toBe(200);
    expect(await read(a.id)).toMatchObject({ state: 'synced', lastError: null });
    expect((await admin.delete(`/api/webhooks/${id}`)).statusCode).toBe(204);
  });

  it('stays queued while one endpoint still may deliver, and fails once that one gives up too', async () => {
    const good = await endpoint(undefined, '/good');
    const bad = await endpoint(undefined, '/bad');
    const a = await account();
    // The bad endpoint fails for good; the good one is held (Retry-After) and still pending.
    receiver.respondWith((r) =>
      r.path === '/bad' ? { status: 500 } : { status: 429, headers: { 'retry-after': '3600' } },
    );
    await push(a.id);
    await drain();
    const statuses = await t.deps.database.db
      .selectFrom('webhook_deliveries')
      .select(['endpoint_id', 'status'])
      .where('account_id', '=', a.id)
      .execute();
    expect(statuses).toEqual(
      expect.arrayContaining([
        { endpoint_id: bad, status: 'failed' },
        { endpoint_id: good, status: 'pending' },
      ]),
    );
    expect(await read(a.id)).toMatchObject({ state: 'queued' });
    // A 410 disables the endpoint holding the pending delivery: nothing can arrive now.
    await t.deps.database.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: new Date() })
      .where('status', '=', 'pending')
      .execute();
    receiver.respondWith(() => ({ status: 410 }));
    await drain();
    expect(await read(a.id)).toMatchObject({
      state: 'failed',
      lastError:
        `The push did not reach the ERP: ${receiver.url}/bad: HTTP 500 (2 attempts); ` +
        `${receiver.url}/good: HTTP 410 (2 attempts)`,
    });
    for (const e of [good, bad]) expect((await admin.delete(`/api/webhooks/${e}`)).statusCode).toBe(204);
  });

  it('fails a queued push when its endpoint is disabled by hand or deleted', async () => {
    const id = await endpoint();
    const a = await account();
    const b = await account();
    expect(await push(a.id)).toMatchObject({ state: 'queued' });
    expect((await admin.patch(`/api/webhooks/${id}`, { enabled: false })).statusCode).toBe(200);
    const disabled = await read(a.id);
    expect(disabled.state).toBe('failed');
    expect(disabled.lastError).toContain('endpoint disabled');

    expect((await admin.patch(`/api/webhooks/${id}`, { enabled: true })).statusCode).toBe(200);
    expect(await push(b.id)).toMatchObject({ state: 'queued' });
    expect((await admin.delete(`/api/webhooks/${id}`)).statusCode).toBe(204);
    expect(await read(b.id)).toMatchObject({
      state: 'failed',
      lastError: 'The push did not reach the ERP: its webhook endpoint was deleted',
    });
  });
});
