import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

type AccountBody = {
  id: string;
  number: string;
  erpNumber: string | null;
  erpSync: {
    state: string;
    erpNumber: string | null;
    syncedAt: string | null;
    lastError: string | null;
    attempts: number;
  };
};

describe('ERP identity of accounts', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    for (const name of ['Erp Linked', 'Erp Failed', 'Erp Fresh']) {
      const res = await admin.post('/api/accounts', { kind: 'business', name });
      expect(res.statusCode, res.body).toBe(201);
      ids[name] = res.json<AccountBody>().id;
    }
    const db = t.deps.database.db;
    await db
      .updateTable('accounts')
      .set({
        erp_number: 'C-7001',
        erp_sync_state: 'synced',
        erp_synced_at: new Date('2026-01-02T03:04:05Z'),
      })
      .where('id', '=', ids['Erp Linked']!)
      .execute();
    await db
      .updateTable('accounts')
      .set({ erp_sync_state: 'failed', erp_last_error: 'ERP said no', erp_sync_attempts: 2 })
      .where('id', '=', ids['Erp Failed']!)
      .execute();
  });
  afterAll(() => t.close());

  it('carries the ERP number and sync state in every read', async () => {
    const fresh = (await admin.get(`/api/accounts/${ids['Erp Fresh']}`)).json<AccountBody>();
    expect(fresh.erpNumber).toBeNull();
    expect(fresh.erpSync).toEqual({
      state: 'not-synced',
      erpNumber: null,
      syncedAt: null,
      lastError: null,
      attempts: 0,
    });
    expect(fresh.number).toMatch(/^W\d+$/);
    const linked = (await admin.get(`/api/accounts/${ids['Erp Linked']}`)).json<AccountBody>();
    expect(linked).toMatchObject({
      erpNumber: 'C-7001',
      erpSync: { state: 'synced', erpNumber: 'C-7001', syncedAt: '2026-01-02T03:04:05.000Z' },
    });
    const list = (await admin.get('/api/accounts?q=erp')).json<{ items: AccountBody[] }>();
    expect(list.items.find((a) => a.id === ids['Erp Failed'])?.erpSync).toMatchObject({
      state: 'failed',
      lastError: 'ERP said no',
      attempts: 2,
    });
  });

  it('finds an account by its ERP number, in any case, by filter and by search', async () => {
    const byFilter = (await admin.get('/api/accounts?erpNumber=c-7001')).json<{ items: AccountBody[] }>();
    expect(byFilter.items.map((a) => a.id)).toEqual([ids['Erp Linked']]);
    const bySearch = (await admin.get('/api/accounts?q=7001')).json<{ items: AccountBody[] }>();
    expect(bySearch.items.map((a) => a.id)).toEqual([ids['Erp Linked']]);
    const none = (await admin.get('/api/accounts?erpNumber=C-0000')).json<{ items: AccountBody[] }>();
    expect(none.items).toEqual([]);
  });

  it('filters by sync state, and refuses an unknown state naming the field', async () => {
    const failed = (await admin.get('/api/accounts?erpSync=failed')).json<{ items: AccountBody[] }>();
    expect(failed.items.map((a) => a.id)).toEqual([ids['Erp Failed']]);
    const bad = await admin.get('/api/accounts?erpSync=lost');
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json())).toContain('erpSync');
  });

  it('keeps ERP numbers unique per scope, in any case', async () => {
    const db = t.deps.database.db;
    await expect(
      db.updateTable('accounts').set({ erp_number: 'c-7001' }).where('id', '=', ids['Erp Fresh']!).execute(),
    ).rejects.toThrow();
  });
});
