import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

type Page<T> = { items: T[]; nextCursor: string | null };
type Row = { id: string; customerGroups: string[] };

describe('customer groups on the accounts and contacts lists', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let scoped: Client & { id: string };
  let vipId: string;
  const accounts: string[] = [];
  const contacts: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    for (const name of ['Alpha Co', 'Beta Co', 'Gamma Co']) {
      const res = await admin.post('/api/accounts', { kind: 'business', name });
      expect(res.statusCode, res.body).toBe(201);
      accounts.push(res.json<{ id: string }>().id);
    }
    for (const [i, accountId] of accounts.entries()) {
      const res = await admin.post(`/api/accounts/${accountId}/contacts`, {
        email: `buyer${i}@lists.test`,
        firstName: 'Buyer',
        lastName: `Number ${i}`,
      });
      expect(res.statusCode, res.body).toBe(201);
      contacts.push(res.json<{ id: string }>().id);
    }
    vipId = (await admin.post('/api/customer-groups', { key: 'VIP', name: 'Very important' })).json<{
      id: string;
    }>().id;
    expect((await admin.post('/api/customer-groups', { key: 'empty', name: 'Nobody' })).statusCode).toBe(201);
    // Scoped to the first account only.
    scoped = await t.employee(['crmCompanyView'], { assignedAccountIds: [accounts[0]!] });
  });
  afterAll(() => t.close());

  const ids = (res: { json: <T>() => T }) => res.json<Page<Row>>().items.map((r) => r.id);

  it('adds a selection of contacts and accounts to a group, audited, and lists show their groups', async () => {
    const res = await admin.post(`/api/customer-groups/${vipId}/members`, {
      contactIds: [contacts[0], contacts[1]],
      accountIds: [accounts[0], accounts[2]],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      contacts: 2,
      accounts: 2,
      group: { contactCount: 2, accountCount: 2 },
    });
    const audit = await t.deps.database.db
      .selectFrom('audit_log')
      .select(['action', 'after', 'actor_id'])
      .where('entity_id', '=', vipId)
      .where('action', '=', 'customerGroup.members_added')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_id).toBe(admin.id);

    const contactList = await admin.get('/api/contacts?limit=50');
    expect(contactList.statusCode).toBe(200);
    const byId = new Map(contactList.json<Page<Row>>().items.map((r) => [r.id, r.customerGroups]));
    expect(byId.get(contacts[0]!)).toEqual(['VIP']);
    expect(byId.get(contacts[2]!)).toEqual([]);
    const accountList = await admin.get('/api/accounts?limit=50');
    const groupsOf = new Map(accountList.json<Page<Row>>().items.map((r) => [r.id, r.customerGroups]));
    expect(groupsOf.get(accounts[2]!)).toEqual(['VIP']);
    expect(groupsOf.get(accounts[1]!)).toEqual([]);
  });

  it('filters contacts by customer group key, in any case, with search and account filters', async () => {
    const res = await admin.get('/api/contacts?customerGroup=vip');
    expect(res.statusCode, res.body).toBe(200);
    expect(ids(res).sort()).toEqual([contacts[0], contacts[1]].sort());
    expect(ids(await admin.get('/api/contacts?customerGroup=VIP&q=number%201'))).toEqual([contacts[1]]);
    expect(ids(await admin.get(`/api/accounts/${accounts[1]}/contacts?customerGroup=vip`))).toEqual([
      contacts[1],
    ]);
    // Paging keeps the filter.
    const first = await admin.get('/api/contacts?customerGroup=vip&limit=1');
    const cursor = first.json<Page<Row>>().nextCursor!;
    const second = await admin.get(`/api/contacts?customerGroup=vip&limit=1&cursor=${cursor}`);
    expect([...ids(first), ...ids(second)].sort()).toEqual([contacts[0], contacts[1]].sort());
  });

  it('filters accounts by customer group key', async () => {
    const res = await admin.get('/api/accounts?customerGroup=vip');
    expect(res.statusCode, res.body).toBe(200);
    expect(ids(res).sort()).toEqual([accounts[0], accounts[2]].sort());
    expect(ids(await admin.get('/api/accounts?customerGroup=vip&q=gamma'))).toEqual([accounts[2]]);
  });

  it('answers an empty page for a group without members, and 422 naming customerGroup for an unknown key', async () => {
    for (const url of ['/api/contacts?customerGroup=empty', '/api/accounts?customerGroup=empty']) {
      const res = await admin.get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.json()).toEqual({ items: [], nextCursor: null });
    }
    for (const url of ['/api/contacts?customerGroup=nope', '/api/accounts?customerGroup=nope']) {
      const res = await admin.get(url);
      expect(res.statusCode, url).toBe(422);
      expect(res.json()).toMatchObject({
        error: {
          code: 'unprocessable',
          message: 'Unknown customer group: nope',
          details: [{ path: 'customerGroup' }],
        },
      });
    }
    const bad = await admin.get('/api/contacts?customerGroup=' + encodeURIComponent('no spaces'));
    expect(bad.statusCode).toBe(400);
  });

  it('keeps a scoped employee to their assigned accounts when filtering', async () => {
    expect(ids(await scoped.get('/api/accounts?customerGroup=vip'))).toEqual([accounts[0]]);
    expect(ids(await scoped.get('/api/contacts?customerGroup=vip'))).toEqual([contacts[0]]);
  });

  it('takes a selection out of the group again', async () => {
    const res = await admin.post(`/api/customer-groups/${vipId}/members/remove`, {
      contactIds: [contacts[0]],
      accountIds: [accounts[0]],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ contacts: 1, accounts: 1 });
    expect(ids(await admin.get('/api/contacts?customerGroup=vip'))).toEqual([contacts[1]]);
    expect(ids(await admin.get('/api/accounts?customerGroup=vip'))).toEqual([accounts[2]]);
  });
});
