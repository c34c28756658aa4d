import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectErp, subscribeErpEndpoint } from './erp.test-helpers.ts';
import { clientFor, createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { withDatabase } from '../../../../test/helpers/global-setup.ts';
import { buildApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { openDatabase } from '../../db/client.ts';
import { openRuntime } from '../../runtime.ts';

type AccountBody = { id: string; number: string; erpSync: { state: string; attempts: number } };

describe('order events from the ERP', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let erp: Client;
  let erpKey: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    ({ erp, key: erpKey } = await connectErp(t, admin));
    await subscribeErpEndpoint(t);
  });
  afterAll(() => t.close());

  let n = 0;
  const account = async (extra: Record<string, unknown> = {}) => {
    const res = await admin.post('/api/accounts', { kind: 'business', name: `Orders ${++n}`, ...extra });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<AccountBody>();
  };
  const setPolicy = async (erpSyncPolicy: string) =>
    expect((await admin.patch('/api/settings', { erpSyncPolicy })).statusCode).toBe(200);
  // The ERP lifecycle's events (account.created and the like are recorded too, and tested elsewhere).
  const eventsOf = (accountId: string) =>
    t.deps.database.db
      .selectFrom('events')
      .select(['type', 'data'])
      .where('account_id', '=', accountId)
      .where('type', 'in', ['order.first', 'account.sync-requested'])
      .orderBy('seq')
      .execute();
  const order = (accountNumber: string, number: string, extra: Record<string, unknown> = {}) => ({
    number,
    accountNumber,
    placedAt: '2026-11-20T10:00:00Z',
    total: 120.5,
    currency: 'eur',
    ...extra,
  });

  it('first-order: the first order records order.first and pushes the account; a repeat changes nothing', async () => {
    await setPolicy('first-order');
    const a = await account();
    const first = await erp.post('/api/erp/orders', order(a.number, `SO-${a.number}-1`));
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      status: 'created',
      order: { number: `SO-${a.number}-1`, accountId: a.id, total: 120.5, currency: 'EUR' },
    });
    const again = await erp.post('/api/erp/orders', order(a.number, `so-${a.number}-1`));
    expect(again.statusCode).toBe(200);
    expect(again.json().status).toBe('unchanged');
    expect((await erp.post('/api/erp/orders', order(a.number, `SO-${a.number}-2`))).statusCode).toBe(201);
    const events = await eventsOf(a.id);
    expect(events.map((e) => e.type)).toEqual(['order.first', 'account.sync-requested']);
    expect(events[1]!.data).toMatchObject({ trigger: 'first-order', account: { id: a.id } });
    const read = (await admin.get(`/api/accounts/${a.id}`)).json<AccountBody>();
    expect(read.erpSync).toMatchObject({ state: 'queued', attempts: 1 });
    const audit = await t.deps.database.db
      .selectFrom('audit_log')
      .select(['action', 'source'])
      .where('entity_id', '=', a.id)
      .where('action', 'like', 'order.%')
      .execute();
    expect(audit).toEqual([
      { action: 'order.created', source: 'erp' },
      { action: 'order.created', source: 'erp' },
    ]);
  });

  it('updates a changed total, audited with only what changed', async () => {
    const a = await account();
    await erp.post('/api/erp/orders', order(a.number, `SO-U-${a.number}`));
    const changed = await erp.post('/api/erp/orders', order(a.number, `SO-U-${a.number}`, { total: 99 }));
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ status: 'updated', order: { total: 99 } });
    const entry = await t.deps.database.db
      .selectFrom('audit_log')
      .select(['before', 'after'])
      .where('entity_id', '=', a.id)
      .where('action', '=', 'order.updated')
      .executeTakeFirstOrThrow();
    expect(entry).toEqual({
      before: { number: `SO-U-${a.number}`, total: 120.5 },
      after: { number: `SO-U-${a.number}`, total: 99 },
    });
    const other = await account();
    const moved = await erp.post('/api/erp/orders', order(other.number, `SO-U-${a.number}`));
    expect(moved.statusCode).toBe(409);
  });

  it('duplicate order events at once push an account once', async () => {
    await setPolicy('first-order');
    const a = await account();
    const results = await Promise.all(
      [1, 2, 3, 1, 2, 3].map((i) => erp.post('/api/erp/orders', order(a.number, `SO-D-${a.number}-${i}`))),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 201, 201, 201]);
    const types = (await eventsOf(a.id)).map((e) => e.type);
    expect(types).toEqual(['order.first', 'account.sync-requested']);
  });

  it('manual and on-enable: an order pushes nothing, order.first is still recorded', async () => {
    for (const policy of ['manual', 'on-enable']) {
      await setPolicy(policy);
      const a = await account();
      expect((await erp.post('/api/erp/orders', order(a.number, `SO-M-${a.number}`))).statusCode).toBe(201);
      expect((await eventsOf(a.id)).map((e) => e.type)).toEqual(['order.first']);
    }
  });

  it('finds the account by its ERP number too, and refuses unknown accounts and bad fields naming them', async () => {
    const a = await account();
    await t.deps.database.db
      .updateTable('accounts')
      .set({ erp_number: `E-${a.number}` })
      .where('id', '=', a.id)
      .execute();
    const byErp = await erp.post('/api/erp/orders', {
      ...order('', `SO-E-${a.number}`),
      accountNumber: undefined,
      erpNumber: `e-${a.number}`,
    });
    expect(byErp.statusCode, byErp.body).toBe(201);
    expect(byErp.json().order.accountId).toBe(a.id);
    const unknown = await erp.post('/api/erp/orders', order('NO-SUCH', 'SO-X-1'));
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.details).toEqual([{ path: 'accountNumber', message: 'No account NO-SUCH' }]);
    const bad = await erp.post(
      '/api/erp/orders',
      order(a.number, 'SO-X-2', { currency: 'euro', placedAt: 'soon' }),
    );
    expect(bad.statusCode).toBe(400);
    const paths = (bad.json().error.details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(['currency', 'placedAt']);
    const both = await erp.post('/api/erp/orders', { ...order(a.number, 'SO-X-3'), erpNumber: 'E-1' });
    expect(both.statusCode).toBe(400);
    expect(JSON.stringify(both.json())).toContain('accountNumber');
    expect(
      await t.deps.database.db.selectFrom('orders').select('id').where('number', 'like', 'SO-X-%').execute(),
    ).toEqual([]);
  });

  it('needs the erp permission: 403 naming it for other employees and keys, 401 without credentials', async () => {
    const a = await account();
    const editor = await t.employee(['companyEdit']);
    const refused = await editor.post('/api/erp/orders', order(a.number, 'SO-P-1'));
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.details).toEqual({ permission: 'erp' });
    expect((await t.anonymous.post('/api/erp/orders', order(a.number, 'SO-P-1'))).statusCode).toBe(401);
    // The ERP's key reads nothing else.
    expect((await erp.get('/api/accounts')).statusCode).toBe(403);
  });

  it('replays the first answer for a repeated Idempotency-Key, refuses it for another body, per key holder', async () => {
    const a = await account();
    const keyed = clientFor(t.app, {
      authorization: `Bearer ${erpKey}`,
      'idempotency-key': `key-${a.number}`,
    });
    const first = await keyed.post('/api/erp/orders', order(a.number, `SO-K-${a.number}`));
    expect(first.statusCode).toBe(201);
    const replay = await keyed.post('/api/erp/orders', order(a.number, `SO-K-${a.number}`));
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual(first.json());
    const other = await keyed.post('/api/erp/orders', order(a.number, `SO-K2-${a.number}`));
    expect(other.statusCode).toBe(422);
    expect(other.json().error.details).toEqual([
      { path: 'Idempotency-Key', message: 'Already used for another request' },
    ]);
    const refusedOnce = clientFor(t.app, {
      authorization: `Bearer ${erpKey}`,
      'idempotency-key': `bad-${a.number}`,
    });
    expect((await refusedOnce.post('/api/erp/orders', order('NO-SUCH', 'SO-K3'))).statusCode).toBe(422);
    expect((await refusedOnce.post('/api/erp/orders', order('NO-SUCH', 'SO-K3'))).statusCode).toBe(422);
    const key2 = await admin.post('/api/api-keys', { name: 'second connector', roles: ['erpIntegration'] });
    const second = clientFor(t.app, {
      authorization: `Bearer ${key2.json<{ key: string }>().key}`,
      'idempotency-key': `key-${a.number}`,
    });
    const own = await second.post('/api/erp/orders', order(a.number, `SO-K4-${a.number}`));
    expect(own.statusCode).toBe(201);
    expect(own.json().order.number).toBe(`SO-K4-${a.number}`);
    const orders = await t.deps.database.db
      .selectFrom('orders')
      .select('number')
      .where('account_id', '=', a.id)
      .execute();
    expect(orders.map((o) => o.number).sort()).toEqual([`SO-K-${a.number}`, `SO-K4-${a.number}`]);
  });

  it('lists the last orders of an account, newest first; foreign and missing accounts are 404', async () => {
    const a = await account();
    for (const [i, day] of [
      [1, '2026-11-01'],
      [2, '2026-11-03'],
      [3, '2026-11-02'],
    ] as const)
      await erp.post(
        '/api/erp/orders',
        order(a.number, `SO-L-${a.number}-${i}`, { placedAt: `${day}T09:00:00Z` }),
      );
    const list = await admin.get(`/api/accounts/${a.id}/orders?limit=2`);
    expect(list.statusCode).toBe(200);
    expect(list.json<{ items: { number: string }[] }>().items.map((o) => o.number)).toEqual([
      `SO-L-${a.number}-2`,
      `SO-L-${a.number}-3`,
    ]);
    const empty = await account();
    expect((await admin.get(`/api/accounts/${empty.id}/orders`)).json()).toEqual({ items: [] });
    const scoped = await t.employee(['crmCompanyView'], { assignedAccountIds: [empty.id] });
    expect((await scoped.get(`/api/accounts/${a.id}/orders`)).statusCode).toBe(404);
    expect((await scoped.get(`/api/accounts/${empty.id}/orders`)).statusCode).toBe(200);
    expect((await admin.get('/api/accounts/00000000-0000-4000-8000-000000000000/orders')).statusCode).toBe(
      404,
    );
  });

  it.runIf(process.env.DATABASE_URL)('duplicate order events on two instances push once', async () => {
    await setPolicy('first-order');
    const name = (await sql<{ name: string }>`select current_database() as name`.execute(t.deps.database.db))
      .rows[0]!.name;
    const database = await openDatabase({
      databaseUrl: withDatabase(process.env.DATABASE_URL!, name),
      poolSize: 4,
    });
    const deps2 = await openRuntime(loadConfig({ PUBLIC_URL: 'http://clientele.test' }), database);
    const second = await buildApp(deps2);
    await second.ready();
    try {
      const viaSecond = clientFor(second, { authorization: `Bearer ${erpKey}` });
      const accounts = await Promise.all([1, 2, 3, 4].map(() => account()));
      await Promise.all(
        accounts.flatMap((a) => [
          erp.post('/api/erp/orders', order(a.number, `SO-2I-${a.number}-a`)),
          viaSecond.post('/api/erp/orders', order(a.number, `SO-2I-${a.number}-a`)),
          viaSecond.post('/api/erp/orders', order(a.number, `SO-2I-${a.number}-b`)),
        ]),
      );
      for (const a of accounts)
        expect((await eventsOf(a.id)).map((e) => e.type)).toEqual(['order.first', 'account.sync-requested']);
    } finally {
      await second.close();
      await deps2.close();
    }
  });
});
