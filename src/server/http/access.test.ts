import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, createTestApp, type Client, type TestApp } from '../../../test/helpers/app.ts';

const NIL = '00000000-0000-4000-8000-000000000000';

describe('access control', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  const f = { accountA: '', accountB: '', contactA: '', contactB: '' };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    const post = async (url: string, body: unknown) => {
      const res = await admin.post(url, body);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(201);
      return res.json<{ id: string }>();
    };
    f.accountA = (
      await post('/api/accounts', { kind: 'business', name: 'Alpha Assigned', code: 'ALPHA' })
    ).id;
    f.accountB = (
      await post('/api/accounts', { kind: 'business', name: 'Beta Unassigned', code: 'BETA' })
    ).id;
    f.contactA = (
      await post(`/api/accounts/${f.accountA}/contacts`, {
        email: 'alpha.person@scope.test',
        firstName: 'Alpha',
        lastName: 'Person',
      })
    ).id;
    f.contactB = (
      await post(`/api/accounts/${f.accountB}/contacts`, {
        email: 'beta.person@scope.test',
        firstName: 'Beta',
        lastName: 'Person',
      })
    ).id;
  });
  afterAll(() => t.close());

  // Every route × every employee role, API keys, contacts and anonymous: test/security/authorization.test.ts.
  it('lets an employee holding several roles do what any of them allows', async () => {
    const both = await t.employee(['customerView', 'auditView']);
    expect((await both.get('/api/contacts')).statusCode).toBe(200);
    expect((await both.get('/api/audit')).statusCode).toBe(200);
    const refused = await both.post('/api/roles', { key: 'nope-both', name: 'x' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toEqual({
      code: 'forbidden',
      message: 'You need the "roles.write" permission',
      details: { permission: 'roles.write' },
    });
  });

  describe('crmCompany* employees reach only their assigned accounts', () => {
    let view: Client & { id: string };
    let edit: Client & { id: string };
    beforeAll(async () => {
      view = await t.employee(['crmCompanyView'], { assignedAccountIds: [f.accountA] });
      edit = await t.employee(['crmCompanyEdit'], { assignedAccountIds: [f.accountA] });
    });
    const ids = async (client: Client, url: string) => {
      const res = await client.get(url);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      return (res.json().items as Array<{ id: string }>).map((i) => i.id);
    };

    it('sees the assigned account and its contacts', async () => {
      for (const client of [view, edit]) {
        expect((await client.get(`/api/accounts/${f.accountA}`)).statusCode).toBe(200);
        expect((await client.get(`/api/contacts/${f.contactA}`)).statusCode).toBe(200);
        expect(await ids(client, `/api/accounts/${f.accountA}/contacts`)).toContain(f.contactA);
        expect(await ids(client, '/api/accounts')).toContain(f.accountA);
        expect(await ids(client, '/api/contacts')).toContain(f.contactA);
        expect(await ids(client, '/api/accounts?q=alpha')).toEqual([f.accountA]);
        expect(await ids(client, '/api/contacts?q=alpha.person')).toEqual([f.contactA]);
        expect((await client.get(`/api/audit?entityType=account&entityId=${f.accountA}`)).statusCode).toBe(
          200,
        );
      }
    });

    it('gets 404 for another account and its contacts by direct read', async () => {
      for (const client of [view, edit]) {
        for (const url of [
          `/api/accounts/${f.accountB}`,
          `/api/accounts/${f.accountB}/contacts`,
          `/api/contacts/${f.contactB}`,
          `/api/contacts?accountId=${f.accountB}`,
          `/api/audit?entityType=account&entityId=${f.accountB}`,
          `/api/audit?entityType=contact&entityId=${f.contactB}`,
        ]) {
          const res = await client.get(url);
          expect(res.statusCode, url).toBe(404);
          expect(res.json().error.code).toBe('not_found');
        }
      }
    });

    it('never finds another account or its contacts in lists or searches', async () => {
      for (const client of [view, edit]) {
        const accounts = await ids(client, '/api/accounts?limit=200');
        expect(accounts).not.toContain(f.accountB);
        const contacts = await ids(client, '/api/contacts?limit=200');
        expect(contacts).not.toContain(f.contactB);
        expect(await ids(client, '/api/accounts?q=beta')).toEqual([]);
        expect(await ids(client, '/api/accounts?q=BETA%20UNASSIGNED')).toEqual([]);
        expect(await ids(client, '/api/contacts?q=beta.person')).toEqual([]);
        expect(await ids(client, '/api/contacts?q=person')).not.toContain(f.contactB);
        expect(await ids(client, '/api/accounts?status=active&kind=business')).not.toContain(f.accountB);
        const dup = await client.get(`/api/contacts/duplicates?email=beta.person@scope.test`);
        expect(dup.json().sameEmail).toBeNull();
        // Every account and contact listed is one of theirs.
        const assigned = await t.deps.database.db
          .selectFrom('employee_accounts')
          .select('account_id')
          .where('employee_id', '=', view.id)
          .execute();
        expect(accounts.every((id) => assigned.some((a) => a.account_id === id))).toBe(true);
      }
    });

    it('assigns an account a crmCompanyEdit employee creates to that employee, so they can keep working on it', async () => {
      const created = await edit.post('/api/accounts', { kind: 'business', name: 'Rep Prospect Ltd' });
      expect(created.statusCode).toBe(201);
      expect(created.json().assignedEmployeeIds).toEqual([edit.id]);
      expect((await edit.get(`/api/accounts/${created.json().id}`)).statusCode).toBe(200);
    });

    it('answers 401 before looking at the body when there are no credentials', async () => {
      const res = await t.anonymous.post('/api/accounts', { kind: 'nonsense' });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthenticated');
    });

    it('lets crmCompanyEdit add a contact to the assigned account but answers 404 for another', async () => {
      const ok = await edit.post(`/api/accounts/${f.accountA}/contacts`, {
        email: 'crm-added@scope.test',
        firstName: 'Crm',
        lastName: 'Added',
      });
      expect(ok.statusCode).toBe(201);
      const viaList = await edit.post('/api/contacts', {
        accountId: f.accountA,
        email: 'crm-added-2@scope.test',
        firstName: 'Crm',
        lastName: 'Added',
      });
      expect(viaList.statusCode).toBe(201);

      const toB = await edit.post(`/api/accounts/${f.accountB}/contacts`, {
        email: 'crm-sneaky@scope.test',
        firstName: 'Crm',
        lastName: 'Sneaky',
      });
      expect(toB.statusCode).toBe(404);
      const toBViaList = await edit.post('/api/contacts', {
        accountId: f.accountB,
        email: 'crm-sneaky@scope.test',
        firstName: 'Crm',
        lastName: 'Sneaky',
      });
      expect(toBViaList.statusCode).toBe(404);
      expect((await edit.patch(`/api/contacts/${f.contactB}`, { firstName: 'Hacked' })).statusCode).toBe(404);
      expect((await edit.patch(`/api/accounts/${f.accountB}`, { name: 'Hacked' })).statusCode).toBe(404);

      const db = t.deps.database.db;
      expect(
        await db.selectFrom('contacts').select('id').where('email', '=', 'crm-sneaky@scope.test').execute(),
      ).toEqual([]);
      const b = await db
        .selectFrom('contacts')
        .select('first_name')
        .where('id', '=', f.contactB)
        .executeTakeFirstOrThrow();
      expect(b.first_name).toBe('Beta');
      const account = await db
        .selectFrom('accounts')
        .select('name')
        .where('id', '=', f.accountB)
        .executeTakeFirstOrThrow();
      expect(account.name).toBe('Beta Unassigned');
    });

    it('gives crmCompanyView 403 on writes, even to the assigned account', async () => {
      const add = await view.post(`/api/accounts/${f.accountA}/contacts`, {
        email: 'crm-view@scope.test',
        firstName: 'Crm',
        lastName: 'View',
      });
      expect(add.statusCode).toBe(403);
      expect((await view.patch(`/api/accounts/${f.accountA}`, { name: 'Renamed' })).statusCode).toBe(403);
      expect((await view.patch(`/api/contacts/${f.contactA}`, { firstName: 'Renamed' })).statusCode).toBe(
        403,
      );
    });

    it('widens to every account when the employee also holds an unrestricted role', async () => {
      const wide = await t.employee(['crmCompanyView', 'companyView'], { assignedAccountIds: [f.accountA] });
      expect((await wide.get(`/api/accounts/${f.accountB}`)).statusCode).toBe(200);
      expect(await ids(wide, '/api/contacts?q=beta.person')).toEqual([f.contactB]);
    });

    it('lets administrator and superuser reach every account and contact', async () => {
      for (const role of ['administrator', 'superuser'] as const) {
        const client = await t.employee([role]);
        expect((await client.get(`/api/accounts/${f.accountB}`)).statusCode).toBe(200);
        expect((await client.get(`/api/contacts/${f.contactB}`)).statusCode).toBe(200);
        expect(await ids(client, '/api/accounts?q=beta')).toEqual([f.accountB]);
        expect(await ids(client, '/api/contacts?q=beta.person')).toEqual([f.contactB]);
        const add = await client.post(`/api/accounts/${f.accountB}/contacts`, {
          email: `${role}-added@scope.test`,
          firstName: 'Top',
          lastName: role,
        });
        expect(add.statusCode).toBe(201);
      }
    });

    it('gives an API key with only crmCompanyView no accounts at all', async () => {
      const created = await admin.post('/api/api-keys', { name: 'crm key', roles: ['crmCompanyView'] });
      const api = clientFor(t.app, { authorization: `Bearer ${created.json().key}` });
      expect((await api.get(`/api/accounts/${f.accountA}`)).statusCode).toBe(404);
      expect(await ids(api, '/api/accounts')).toEqual([]);
      expect(await ids(api, '/api/contacts')).toEqual([]);
    });
  });

  it('answers 400 for a non-UUID id in any path, before reaching the database', async () => {
    for (const url of [
      '/api/accounts/x',
      '/api/contacts/x',
      '/api/employees/x',
      '/api/emails/x',
      '/api/accounts/x/contacts',
    ]) {
      const res = await admin.get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
    }
    expect((await admin.get(`/api/emails/${NIL}`)).statusCode).toBe(404);
  });
});
