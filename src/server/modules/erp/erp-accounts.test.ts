import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectErp } from './erp.test-helpers.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

type AccountBody = {
  id: string;
  number: string;
  name: string;
  erpNumber: string | null;
  erpSync: { state: string; syncedAt: string | null; erpNumber: string | null };
};
type Result = { status: string; account: AccountBody };

describe('PUT /api/erp/accounts/{erpNumber}', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let erp: Client;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    ({ erp } = await connectErp(t, admin));
    expect((await admin.post('/api/payment-terms', { code: 'NET30', name: 'Net 30' })).statusCode).toBe(201);
  });
  afterAll(() => t.close());

  const auditOf = (id: string) =>
    t.deps.database.db
      .selectFrom('audit_log')
      .select(['action', 'source'])
      .where('entity_id', '=', id)
      .orderBy('at')
      .execute();

  it('creates the account under the ERP number, synced; the same request again changes nothing', async () => {
    const body = {
      name: 'Erp Made GmbH',
      paymentTerms: 'NET30',
      billingAddress: { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'de' },
    };
    const res = await erp.put('/api/erp/accounts/C-100', body);
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json<Result>();
    expect(created).toMatchObject({
      status: 'created',
      account: {
        number: 'C-100',
        erpNumber: 'C-100',
        name: 'Erp Made GmbH',
        erpSync: { state: 'synced', erpNumber: 'C-100', syncedAt: expect.any(String) },
      },
    });
    const id = created.account.id;
    const addresses = (await admin.get(`/api/accounts/${id}/addresses`)).json<{
      items: { country: string }[];
    }>();
    expect(addresses.items.map((a) => a.country)).toEqual(['DE']);
    const audit = await auditOf(id);
    expect(audit.every((e) => e.source === 'erp')).toBe(true);
    expect(audit.map((e) => e.action)).toContain('account.created');
    const again = await erp.put('/api/erp/accounts/c-100', body);
    expect(again.statusCode).toBe(200);
    expect(again.json<Result>().status).toBe('unchanged');
    expect(await auditOf(id)).toEqual(audit);
    const renamed = await erp.put('/api/erp/accounts/C-100', { ...body, name: 'Erp Made AG' });
    expect(renamed.json<Result>()).toMatchObject({ status: 'updated', account: { name: 'Erp Made AG' } });
    expect((await auditOf(id)).slice(audit.length)).toEqual([{ action: 'account.updated', source: 'erp' }]);
  });

  it('links an existing web account by webAccountNumber, and refuses a second ERP number for it', async () => {
    const web = (
      await admin.post('/api/accounts', { kind: 'business', name: 'Web Shop Buyer' })
    ).json<AccountBody>();
    await admin.post(`/api/accounts/${web.id}/erp-push`, {});
    const res = await erp.put('/api/erp/accounts/C-200', {
      name: 'Web Shop Buyer',
      webAccountNumber: web.number,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Result>()).toMatchObject({
      status: 'updated',
      account: { id: web.id, number: web.number, erpNumber: 'C-200', erpSync: { state: 'synced' } },
    });
    const again = await erp.put('/api/erp/accounts/C-200', {
      name: 'Web Shop Buyer',
      webAccountNumber: web.number,
    });
    expect(again.json<Result>().status).toBe('unchanged');
    const byErp = (await admin.get('/api/accounts?erpNumber=C-200')).json<{ items: AccountBody[] }>();
    expect(byErp.items.map((a) => a.id)).toEqual([web.id]);
    const other = await erp.put('/api/erp/accounts/C-201', {
      name: 'Web Shop Buyer',
      webAccountNumber: web.number,
    });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.details).toEqual([
      { path: 'webAccountNumber', message: 'Linked to ERP number C-200' },
    ]);
    const missing = await erp.put('/api/erp/accounts/C-202', { name: 'Nobody', webAccountNumber: 'W-NONE' });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error.details).toEqual([
      { path: 'webAccountNumber', message: 'No account W-NONE' },
    ]);
  });

  it('refuses bad fields naming them, with the messages of the account API, and stores nothing', async () => {
    const code = await erp.put('/api/erp/accounts/C-300', { name: 'Bad Terms', paymentTerms: 'NET999' });
    expect(code.statusCode).toBe(422);
    expect((code.json().error.details as { path: string }[]).map((d) => d.path)).toEqual(['paymentTerms']);
    const country = await erp.put('/api/erp/accounts/C-301', {
      name: 'Bad Country',
      billingAddress: { line1: 'x', city: 'y', postalCode: '1', country: 'XX' },
    });
    expect(country.statusCode).toBe(422);
    expect((country.json().error.details as { path: string }[])[0]!.path).toBe('billingAddress.country');
    const noName = await erp.put('/api/erp/accounts/C-302', {});
    expect(noName.statusCode).toBe(400);
    expect(JSON.stringify(noName.json())).toContain('name');
    const rows = await t.deps.database.db
      .selectFrom('accounts')
      .select('id')
      .where('number', 'in', ['C-300', 'C-301', 'C-302'])
      .execute();
    expect(rows).toEqual([]);
  });

  it('needs the erp permission (403 naming it)', async () => {
    const editor = await t.employee(['companyEdit']);
    const res = await editor.put('/api/erp/accounts/C-400', { name: 'Not from the ERP' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.details).toEqual({ permission: 'erp' });
  });

  it('seed 004, manual ERP creation: approved without a push, the contact re-mapped onto the ERP-created account', async () => {
    expect((await admin.patch('/api/settings', { erpSyncPolicy: 'manual' })).statusCode).toBe(200);
    const web = (
      await admin.post('/api/accounts', { kind: 'business', name: 'Manual Workflow Ltd', status: 'pending' })
    ).json<AccountBody>();
    const contact = await admin.post(`/api/accounts/${web.id}/contacts`, {
      email: 'owner@manual.test',
      firstName: 'Mia',
      lastName: 'Manual',
    });
    expect(contact.statusCode, contact.body).toBe(201);
    expect((await admin.post(`/api/accounts/${web.id}/approve`, {})).statusCode).toBe(200);
    expect(
      (
        await erp.post('/api/erp/orders', {
          number: 'SO-MANUAL-1',
          accountNumber: web.number,
          placedAt: '2026-11-20T10:00:00Z',
          total: 5,
          currency: 'GBP',
        })
      ).statusCode,
    ).toBe(201);
    const created = await erp.put('/api/erp/accounts/CUST-77', { name: 'Manual Workflow Ltd' });
    expect(created.statusCode).toBe(201);
    const erpAccount = created.json<Result>().account;
    const remap = await admin.put(`/api/contacts/${contact.json<{ id: string }>().id}/primary-account`, {
      accountId: erpAccount.id,
    });
    expect(remap.statusCode, remap.body).toBe(200);
    const contacts = (await admin.get(`/api/accounts/${erpAccount.id}/contacts`)).json<{
      items: { email: string }[];
    }>();
    expect(contacts.items.map((c) => c.email)).toEqual(['owner@manual.test']);
    const pushes = await t.deps.database.db
      .selectFrom('events')
      .select('id')
      .where('type', '=', 'account.sync-requested')
      .where('account_id', 'in', [web.id, erpAccount.id])
      .execute();
    expect(pushes).toEqual([]);
  });
});
