import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/helpers/app.ts';

// Every 403 names the permission that was missing, in the message and as `details.permission`.
describe('refusals of the invoice and group-membership routes', () => {
  let t: TestApp;
  let accountId: string;
  let groupId: string;

  beforeAll(async () => {
    t = await createTestApp();
    const admin = await t.employee(['administrator']);
    accountId = (await admin.post('/api/accounts', { kind: 'business', name: 'Refused Co' })).json<{
      id: string;
    }>().id;
    groupId = (await admin.post('/api/customer-groups', { key: 'refused', name: 'Refused' })).json<{
      id: string;
    }>().id;
  });
  afterAll(() => t.close());

  const body = () => ({ number: 'R-1', accountId, date: '2026-11-01', amount: 1, currency: 'USD' });

  it('names accounts.write when a viewer records an invoice', async () => {
    const viewer = await t.employee(['companyView']);
    const res = await viewer.post('/api/invoices', body());
    expect(res.statusCode).toBe(403);
    const { error } = res.json<{
      error: { code: string; message: string; details: { permission: string } };
    }>();
    expect(error.code).toBe('forbidden');
    expect(error.details.permission).toBe('accounts.write');
    expect(error.message).toContain('accounts.write');
    expect(await t.deps.database.db.selectFrom('invoices').select('id').execute()).toEqual([]);
  });

  it('names accounts.read when an employee without it lists invoices', async () => {
    const other = await t.employee(['auditView']);
    const res = await other.get(`/api/accounts/${accountId}/invoices`);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({
      error: { code: 'forbidden', details: { permission: 'accounts.read' } },
    });
  });

  it('names customerGroups.write when a crmCompanyEdit employee changes a group’s members', async () => {
    const crm = await t.employee(['crmCompanyEdit'], { assignedAccountIds: [accountId] });
    const res = await crm.post(`/api/customer-groups/${groupId}/members`, { accountIds: [accountId] });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({
      error: { code: 'forbidden', details: { permission: 'customerGroups.write' } },
    });
  });

  it('answers 401, not 403, without credentials', async () => {
    expect((await t.anonymous.post('/api/invoices', body())).statusCode).toBe(401);
  });
});
