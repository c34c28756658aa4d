import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientFor,
  cookieOf,
  createTestApp,
  PASSWORD,
  type Client,
  type TestApp,
} from '../../../../test/helpers/app.ts';
import { withDatabase } from '../../../../test/helpers/global-setup.ts';
import { buildApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { openDatabase } from '../../db/client.ts';
import type { App, AppDeps } from '../../deps.ts';
import { openRuntime } from '../../runtime.ts';
import { subscribeErpEndpoint } from './erp.test-helpers.ts';
import { markErpSyncFailed } from './index.ts';

type AccountBody = {
  id: string;
  status: string;
  erpSync: { state: string; attempts: number; lastError: string | null };
};

describe('ERP sync policies and pushes', () => {
  let t: TestApp;
  let admin: Client & { id: string; email: string };
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    await subscribeErpEndpoint(t);
  });
  afterAll(() => t.close());

  const setPolicy = async (erpSyncPolicy: string) => {
    const res = await admin.patch('/api/settings', { erpSyncPolicy });
    expect(res.statusCode, res.body).toBe(200);
  };
  let n = 0;
  const account = async (extra: Record<string, unknown> = {}) => {
    const res = await admin.post('/api/accounts', { kind: 'business', name: `Sync ${++n}`, ...extra });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<AccountBody>().id;
  };
  const pushesOf = async (accountId: string) =>
    t.deps.database.db
      .selectFrom('events')
      .select(['type', 'data'])
      .where('account_id', '=', accountId)
      .where('type', '=', 'account.sync-requested')
      .orderBy('seq')
      .execute();
  const read = async (id: string) => (await admin.get(`/api/accounts/${id}`)).json<AccountBody>();

  it('on-enable: approving pushes the account once, with everything the ERP needs', async () => {
    await setPolicy('on-enable');
    await admin.post('/api/payment-terms', { code: 'NET30', name: 'Net 30' });
    const id = await account({
      status: 'pending',
      paymentTerms: 'NET30',
      billingAddress: { line1: '1 Sync Street', city: 'Berlin', postalCode: '10115', country: 'DE' },
    });
    const contact = await admin.post(`/api/accounts/${id}/contacts`, {
      email: 'buyer@sync.test',
      firstName: 'Bea',
      lastName: 'Buyer',
    });
    expect(contact.statusCode, contact.body).toBe(201);
    expect(await pushesOf(id)).toEqual([]);
    const approvals = await Promise.all([1, 2, 3].map(() => admin.post(`/api/accounts/${id}/approve`, {})));
    expect(approvals.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);
    const pushes = await pushesOf(id);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]!.data).toMatchObject({
      trigger: 'enabled',
      account: { id, name: expect.stringMatching(/^Sync/), paymentTerms: 'NET30', erpNumber: null },
      billingAddress: { line1: '1 Sync Street', postalCode: '10115', country: 'DE' },
      shippingAddress: null,
      primaryContact: { email: 'buyer@sync.test', firstName: 'Bea' },
    });
    expect((await read(id)).erpSync).toMatchObject({ state: 'queued', attempts: 1 });
    const audit = await admin.get(`/api/audit?entityType=account&entityId=${id}`);
    expect(audit.json<{ items: { action: string }[] }>().items.map((e) => e.action)).toContain(
      'account.erp_push_requested',
    );
  });

  it('on-enable: enabling a disabled account pushes it; an account already pushed is not pushed again', async () => {
    await setPolicy('on-enable');
    const id = await account({ status: 'disabled' });
    expect((await admin.patch(`/api/accounts/${id}`, { name: 'Renamed' })).statusCode).toBe(200);
    expect(await pushesOf(id)).toHaveLength(0);
    expect((await admin.patch(`/api/accounts/${id}`, { status: 'active' })).statusCode).toBe(200);
    expect(await pushesOf(id)).toHaveLength(1);
    await admin.patch(`/api/accounts/${id}`, { status: 'disabled' });
    await admin.patch(`/api/accounts/${id}`, { status: 'active' });
    expect(await pushesOf(id)).toHaveLength(1);
  });

  it('manual and first-order: approving or enabling pushes nothing', async () => {
    for (const policy of ['manual', 'first-order']) {
      await setPolicy(policy);
      const pending = await account({ status: 'pending' });
      expect((await admin.post(`/api/accounts/${pending}/approve`, {})).statusCode).toBe(200);
      const disabled = await account({ status: 'disabled' });
      expect((await admin.patch(`/api/accounts/${disabled}`, { status: 'active' })).statusCode).toBe(200);
      expect(await pushesOf(pending)).toHaveLength(0);
      expect(await pushesOf(disabled)).toHaveLength(0);
      expect((await read(pending)).erpSync.state).toBe('not-synced');
    }
  });

  it('Push to ERP: once while queued, again from failed or synced, whatever the policy', async () => {
    await setPolicy('manual');
    const id = await account();
    const clicks = await Promise.all([1, 2].map(() => admin.post(`/api/accounts/${id}/erp-push`, {})));
    expect(clicks.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const ok = clicks.find((r) => r.statusCode === 200)!.json<AccountBody>();
    expect(ok.erpSync).toMatchObject({ state: 'queued', attempts: 1 });
    expect(clicks.find((r) => r.statusCode === 409)!.json().error.code).toBe('conflict');
    await markErpSyncFailed(t.deps.database.db, id, 'ERP refused: missing tax id');
    expect((await read(id)).erpSync).toMatchObject({
      state: 'failed',
      lastError: 'ERP refused: missing tax id',
    });
    expect(
      (await admin.get('/api/accounts?erpSync=failed'))
        .json<{ items: AccountBody[] }>()
        .items.map((a) => a.id),
    ).toContain(id);
    const again = await admin.post(`/api/accounts/${id}/erp-push`, {});
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json<AccountBody>().erpSync).toMatchObject({
      state: 'queued',
      attempts: 2,
      lastError: null,
    });
    await t.deps.database.db
      .updateTable('accounts')
      .set({ erp_sync_state: 'synced' })
      .where('id', '=', id)
      .execute();
    expect((await admin.post(`/api/accounts/${id}/erp-push`, {})).statusCode).toBe(200);
    expect(await pushesOf(id)).toHaveLength(3);
  });

  it('Push to ERP needs accounts.write (403 naming it), and a missing account is 404', async () => {
    const id = await account();
    const viewer = await t.employee(['companyView']);
    const refused = await viewer.post(`/api/accounts/${id}/erp-push`, {});
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.details).toEqual({ permission: 'accounts.write' });
    const scoped = await t.employee(['crmCompanyEdit']);
    expect((await scoped.post(`/api/accounts/${id}/erp-push`, {})).statusCode).toBe(404);
    const missing = await admin.post('/api/accounts/00000000-0000-4000-8000-000000000000/erp-push', {});
    expect(missing.statusCode).toBe(404);
    expect(await pushesOf(id)).toHaveLength(0);
  });

  it.runIf(process.env.DATABASE_URL)(
    'two instances on one database approving at once push once',
    async () => {
      await setPolicy('on-enable');
      const name = (
        await sql<{ name: string }>`select current_database() as name`.execute(t.deps.database.db)
      ).rows[0]!.name;
      const config = loadConfig({ PUBLIC_URL: 'http://clientele.test' });
      const database = await openDatabase({
        databaseUrl: withDatabase(process.env.DATABASE_URL!, name),
        poolSize: 4,
      });
      const deps2: AppDeps = await openRuntime(config, database);
      const second: App = await buildApp(deps2);
      await second.ready();
      try {
        const signIn = await second.inject({
          method: 'POST',
          url: '/api/session',
          payload: { email: admin.email, password: PASSWORD },
        });
        expect(signIn.statusCode, signIn.body).toBe(200);
        const viaSecond = clientFor(second, { cookie: cookieOf(signIn) });
        const ids = await Promise.all([1, 2, 3, 4, 5].map(() => account({ status: 'pending' })));
        const results = await Promise.all(
          ids.flatMap((id) => [
            admin.post(`/api/accounts/${id}/approve`, {}),
            viaSecond.post(`/api/accounts/${id}/approve`, {}),
          ]),
        );
        expect(results.filter((r) => r.statusCode === 200)).toHaveLength(ids.length);
        for (const id of ids) expect(await pushesOf(id)).toHaveLength(1);
      } finally {
        await second.close();
        await deps2.close();
      }
    },
  );
});
