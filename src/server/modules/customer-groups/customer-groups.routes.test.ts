import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import type { Settings } from '../../../contracts/settings.ts';

type Group = {
  id: string;
  key: string;
  name: string;
  accountCount: number;
  contactCount: number;
  hasPassword: boolean;
  loginValidFrom: string | null;
  loginValidUntil: string | null;
  createdAt: string;
  updatedAt: string;
};

const SHARED_PASSWORD = 'trade-fair-spring-2026';

describe('customer groups API', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let viewer: Client & { id: string };
  let accountId: string;
  let n = 0;

  beforeAll(async () => {
    t = await createTestApp();
    [admin, viewer] = await Promise.all([t.employee(['administrator']), t.employee(['companyView'])]);
    accountId = (await admin.post('/api/accounts', { kind: 'business', name: 'Group Co' })).json().id;
  });
  afterAll(() => t.close());

  const db = () => t.deps.database.db;
  const createGroup = async (key: string, name = key) => {
    const res = await admin.post('/api/customer-groups', { key, name });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Group>();
  };
  const addContact = async () => {
    const res = await admin.post(`/api/accounts/${accountId}/contacts`, {
      email: `member${++n}@groups.test`,
      firstName: 'Mem',
      lastName: `Ber ${n}`,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  };
  const auditOf = (id: string) =>
    db()
      .selectFrom('audit_log')
      .select(['action', 'entity_type', 'actor_id', 'before', 'after'])
      .where('entity_id', '=', id)
      .orderBy('id')
      .execute();

  describe('creating and listing', () => {
    it('creates a group and lists groups by name with their member counts', async () => {
      const res = await admin.post('/api/customer-groups', { key: 'wholesale', name: 'Wholesale buyers' });
      expect(res.statusCode).toBe(201);
      const group = res.json<Group>();
      expect(group).toEqual({
        id: expect.any(String),
        key: 'wholesale',
        name: 'Wholesale buyers',
        accountCount: 0,
        contactCount: 0,
        hasPassword: false,
        loginValidFrom: null,
        loginValidUntil: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      await createGroup('aa-retail', 'Retail');
      await createGroup('zz-apprentices', 'Apprentices');

      const list = await admin.get('/api/customer-groups');
      expect(list.statusCode).toBe(200);
      const names = list.json<{ items: Group[] }>().items.map((g) => g.name);
      expect(names.indexOf('Apprentices')).toBeLessThan(names.indexOf('Retail'));
      expect(names.indexOf('Retail')).toBeLessThan(names.indexOf('Wholesale buyers'));

      const filtered = await admin.get('/api/customer-groups?q=RETA');
      expect(filtered.json<{ items: Group[] }>().items.map((g) => g.key)).toEqual(['aa-retail']);

      expect(await auditOf(group.id)).toEqual([
        {
          action: 'customerGroup.created',
          entity_type: 'customerGroup',
          actor_id: admin.id,
          before: null,
          after: {
            key: 'wholesale',
            name: 'Wholesale buyers',
            hasPassword: false,
            loginValidFrom: null,
            loginValidUntil: null,
          },
        },
      ]);
    });

    it('refuses a key already used, in any case, with 409 on key', async () => {
      await createGroup('Gold');
      for (const key of ['Gold', 'gold', 'GOLD']) {
        const res = await admin.post('/api/customer-groups', { key, name: 'Again' });
        expect(res.statusCode, key).toBe(409);
        expect(res.json().error).toMatchObject({
          code: 'conflict',
          details: [{ path: 'key', message: expect.any(String) }],
        });
      }
      const rows = await db()
        .selectFrom('customer_groups')
        .select('key')
        .where('name', '=', 'Again')
        .execute();
      expect(rows).toEqual([]);
    });

    it('refuses a malformed key or a missing name with 400 naming the field', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ key: 'has space', name: 'x' }, 'key'],
        [{ key: '', name: 'x' }, 'key'],
        [{ key: 'k'.repeat(65), name: 'x' }, 'key'],
        [{ key: 'fine' }, 'name'],
        [{ key: 'fine', name: ' ' }, 'name'],
      ];
      for (const [body, path] of cases) {
        const res = await admin.post('/api/customer-groups', body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json().error.details).toContainEqual(expect.objectContaining({ path }));
      }
    });

    it('reads one group, and answers 404 for an unknown one', async () => {
      const group = await createGroup('readable');
      const res = await admin.get(`/api/customer-groups/${group.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(group);
      expect((await admin.get('/api/customer-groups/00000000-0000-4000-8000-000000000000')).statusCode).toBe(
        404,
      );
      expect((await admin.get('/api/customer-groups/not-a-uuid')).statusCode).toBe(400);
    });
  });

  describe('changing', () => {
    it('renames a group and audits only the name', async () => {
      const group = await createGroup('rename-me', 'Old name');
      const res = await admin.patch(`/api/customer-groups/${group.id}`, { name: 'New name' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: group.id, key: 'rename-me', name: 'New name' });
      const entries = await auditOf(group.id);
      expect(entries.at(-1)).toMatchObject({
        action: 'customerGroup.updated',
        before: { name: 'Old name' },
        after: { name: 'New name' },
      });
    });

    it('sets a shared password (hashed, never echoed) with a validity window, then removes it', async () => {
      const group = await createGroup('fair');
      const res = await admin.patch(`/api/customer-groups/${group.id}`, {
        password: SHARED_PASSWORD,
        loginValidFrom: '2026-03-01T08:00:00+01:00',
        loginValidUntil: '2026-03-05',
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        hasPassword: true,
        loginValidFrom: '2026-03-01T07:00:00.000Z',
        // A date alone lasts to the end of that day.
        loginValidUntil: '2026-03-06T00:00:00.000Z',
      });
      expect(res.body).not.toContain(SHARED_PASSWORD);
      const row = await db()
        .selectFrom('customer_groups')
        .select('password_hash')
        .where('id', '=', group.id)
        .executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$argon2id\$/);

      const cleared = await admin.patch(`/api/customer-groups/${group.id}`, {
        password: null,
        loginValidFrom: null,
        loginValidUntil: null,
      });
      expect(cleared.json()).toMatchObject({
        hasPassword: false,
        loginValidFrom: null,
        loginValidUntil: null,
      });
      const entries = await auditOf(group.id);
      expect(JSON.stringify(entries)).not.toContain(SHARED_PASSWORD);
      expect(JSON.stringify(entries)).not.toContain('argon2');
      expect(entries.slice(-2).map((e) => [e.before?.hasPassword, e.after?.hasPassword])).toEqual([
        [false, true],
        [true, false],
      ]);
    });

    it('refuses a short or common password and a window that ends before it starts', async () => {
      const group = await createGroup('strict');
      const short = await admin.patch(`/api/customer-groups/${group.id}`, { password: 'short' });
      expect(short.statusCode).toBe(400);
      expect(short.json().error.details).toContainEqual(expect.objectContaining({ path: 'password' }));
      const common = await admin.patch(`/api/customer-groups/${group.id}`, { password: '1234567890' });
      expect(common.statusCode).toBe(400);
      expect(common.json().error.details).toContainEqual(expect.objectContaining({ path: 'password' }));

      const backwards = await admin.patch(`/api/customer-groups/${group.id}`, {
        loginValidFrom: '2026-05-02',
        loginValidUntil: '2026-04-30',
      });
      expect(backwards.statusCode).toBe(400);
      expect(backwards.json().error.details).toContainEqual(
        expect.objectContaining({ path: 'loginValidUntil' }),
      );
      // Against the stored start as well.
      expect(
        (await admin.patch(`/api/customer-groups/${group.id}`, { loginValidFrom: '2026-05-02' })).statusCode,
      ).toBe(200);
      const stored = await admin.patch(`/api/customer-groups/${group.id}`, { loginValidUntil: '2026-04-01' });
      expect(stored.statusCode).toBe(400);
      expect(stored.json().error.details).toContainEqual(
        expect.objectContaining({ path: 'loginValidUntil' }),
      );
      expect(
        (await admin.patch(`/api/customer-groups/${group.id}`, { loginValidUntil: 'tomorrow' })).statusCode,
      ).toBe(400);
      expect((await admin.get(`/api/customer-groups/${group.id}`)).json()).toMatchObject({
        hasPassword: false,
        loginValidUntil: null,
      });
    });
  });

  describe('members', () => {
    it('adds contacts and accounts, shows the groups on them, and takes them out again', async () => {
      const group = await createGroup('members');
      const [c1, c2] = [await addContact(), await addContact()];
      const add = await admin.post(`/api/customer-groups/${group.id}/members`, {
        contactIds: [c1, c2, c1],
        accountIds: [accountId],
      });
      expect(add.statusCode, add.body).toBe(200);
      expect(add.json()).toMatchObject({
        contacts: 2,
        accounts: 1,
        group: { contactCount: 2, accountCount: 1 },
      });
      // Adding again changes nothing.
      const again = await admin.post(`/api/customer-groups/${group.id}/members`, { contactIds: [c1] });
      expect(again.json()).toMatchObject({ contacts: 0, accounts: 0 });

      expect((await admin.get(`/api/contacts/${c1}`)).json().customerGroups).toEqual(['members']);
      expect((await admin.get(`/api/accounts/${accountId}`)).json().customerGroups).toContain('members');

      const remove = await admin.post(`/api/customer-groups/${group.id}/members/remove`, {
        contactIds: [c1],
        accountIds: [accountId],
      });
      expect(remove.statusCode).toBe(200);
      expect(remove.json()).toMatchObject({
        contacts: 1,
        accounts: 1,
        group: { contactCount: 1, accountCount: 0 },
      });
      expect((await admin.get(`/api/contacts/${c1}`)).json().customerGroups).toEqual([]);
      expect((await admin.get(`/api/contacts/${c2}`)).json().customerGroups).toEqual(['members']);

      const actions = (await auditOf(group.id)).map((e) => [e.action, e.after]);
      expect(actions).toContainEqual([
        'customerGroup.members_added',
        { contactIds: expect.arrayContaining([c1, c2]), accountIds: [accountId] },
      ]);
      expect(actions).toContainEqual([
        'customerGroup.members_removed',
        { contactIds: [c1], accountIds: [accountId] },
      ]);
    });

    it('refuses unknown contacts or accounts with 422 naming them, changing nothing', async () => {
      const group = await createGroup('picky');
      const real = await addContact();
      const ghost = '00000000-0000-4000-8000-000000000001';
      const res = await admin.post(`/api/customer-groups/${group.id}/members`, { contactIds: [real, ghost] });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({
        code: 'unprocessable',
        message: expect.stringContaining(ghost),
        details: [{ path: 'contactIds', message: expect.stringContaining(ghost) }],
      });
      const accounts = await admin.post(`/api/customer-groups/${group.id}/members`, { accountIds: [ghost] });
      expect(accounts.statusCode).toBe(422);
      expect((await admin.get(`/api/customer-groups/${group.id}`)).json().contactCount).toBe(0);
      expect((await admin.post(`/api/customer-groups/${group.id}/members`, {})).statusCode).toBe(400);
      expect(
        (await admin.post(`/api/customer-groups/${ghost}/members`, { contactIds: [real] })).statusCode,
      ).toBe(404);
    });
  });

  describe('deleting', () => {
    it('deletes an empty group', async () => {
      const group = await createGroup('short-lived');
      expect((await admin.delete(`/api/customer-groups/${group.id}`)).statusCode).toBe(204);
      expect((await admin.get(`/api/customer-groups/${group.id}`)).statusCode).toBe(404);
      expect((await admin.delete(`/api/customer-groups/${group.id}`)).statusCode).toBe(404);
      expect((await auditOf(group.id)).map((e) => e.action)).toEqual([
        'customerGroup.created',
        'customerGroup.deleted',
      ]);
    });

    it('refuses to delete a group with members, saying how many', async () => {
      const group = await createGroup('in-use');
      const contacts = [await addContact(), await addContact()];
      await admin.post(`/api/customer-groups/${group.id}/members`, {
        contactIds: contacts,
        accountIds: [accountId],
      });
      const res = await admin.delete(`/api/customer-groups/${group.id}`);
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({
        code: 'conflict',
        message: expect.stringContaining('3 members (2 contacts and 1 account)'),
      });
      expect((await admin.get(`/api/customer-groups/${group.id}`)).statusCode).toBe(200);
    });

    it('moves the members to another group, then deletes', async () => {
      const from = await createGroup('moving-from');
      const to = await createGroup('Moving-To');
      const [c1, c2] = [await addContact(), await addContact()];
      await admin.post(`/api/customer-groups/${from.id}/members`, {
        contactIds: [c1, c2],
        accountIds: [accountId],
      });
      // c2 is in both already: it stays in the target once.
      await admin.post(`/api/customer-groups/${to.id}/members`, { contactIds: [c2] });

      expect((await admin.delete(`/api/customer-groups/${from.id}?moveTo=nowhere`)).statusCode).toBe(422);
      const self = await admin.delete(`/api/customer-groups/${from.id}?moveTo=moving-from`);
      expect(self.statusCode).toBe(422);
      expect(self.json().error.details).toContainEqual(expect.objectContaining({ path: 'moveTo' }));

      const res = await admin.delete(`/api/customer-groups/${from.id}?moveTo=moving-to`);
      expect(res.statusCode, res.body).toBe(204);
      expect((await admin.get(`/api/customer-groups/${to.id}`)).json()).toMatchObject({
        contactCount: 2,
        accountCount: 1,
      });
      expect((await admin.get(`/api/contacts/${c1}`)).json().customerGroups).toEqual(['Moving-To']);
      const deleted = (await auditOf(from.id)).at(-1);
      expect(deleted).toMatchObject({
        action: 'customerGroup.deleted',
        before: { key: 'moving-from', contactCount: 2, accountCount: 1 },
        after: { membersMovedTo: 'Moving-To', contacts: 2, accounts: 1 },
      });
      const left = await db()
        .selectFrom('contact_customer_groups')
        .select('contact_id')
        .where('customer_group_id', '=', from.id)
        .execute();
      expect(left).toEqual([]);
    });

    it('takes a deleted group out of the sign-up defaults, or puts the group its members moved to there', async () => {
      const [web, retired, successor] = [
        await createGroup('web-default'),
        await createGroup('retired-default'),
        await createGroup('successor-default'),
      ];
      const defaults = (customerGroups: string[]) => ({
        registration: { newAccount: { defaults: { customerGroups } } },
      });
      const saved = await admin.patch('/api/settings', defaults([web.key, retired.key]));
      expect(saved.statusCode, saved.body).toBe(200);
      const groupsNow = async () =>
        (await admin.get('/api/settings')).json<Settings>().registration.newAccount.defaults.customerGroups;

      expect(
        (await admin.delete(`/api/customer-groups/${retired.id}?moveTo=${successor.key}`)).statusCode,
      ).toBe(204);
      expect(await groupsNow()).toEqual([web.key, successor.key]);
      expect((await admin.delete(`/api/customer-groups/${web.id}`)).statusCode).toBe(204);
      expect(await groupsNow()).toEqual([successor.key]);
      // Saving the settings again works: no unknown group is left in them.
      expect((await admin.patch('/api/settings', defaults([successor.key]))).statusCode).toBe(200);

      const changes = await db()
        .selectFrom('audit_log')
        .select(['before', 'after'])
        .where('entity_type', '=', 'settings')
        .where('entity_id', '=', 'registration')
        .where('actor_id', '=', admin.id)
        .orderBy('id')
        .execute();
      expect(changes.slice(-2)).toEqual([
        {
          before: { 'newAccount.defaults.customerGroups': [web.key, retired.key] },
          after: { 'newAccount.defaults.customerGroups': [web.key, successor.key] },
        },
        {
          before: { 'newAccount.defaults.customerGroups': [web.key, successor.key] },
          after: { 'newAccount.defaults.customerGroups': [successor.key] },
        },
      ]);
    });
  });

  it('describes its routes and the bulk add in the OpenAPI document', async () => {
    const doc = (await t.anonymous.get('/api/openapi.json')).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/customer-groups',
        '/api/customer-groups/{id}',
        '/api/customer-groups/{id}/members',
        '/api/customer-groups/{id}/members/remove',
        '/api/contacts/bulk',
      ]),
    );
  });

  describe('permissions', () => {
    it('lets a view-only employee read groups but not change them', async () => {
      const group = await createGroup('guarded');
      const contact = await addContact();
      expect((await viewer.get('/api/customer-groups')).statusCode).toBe(200);
      expect((await viewer.get(`/api/customer-groups/${group.id}`)).statusCode).toBe(200);
      const writes = [
        await viewer.post('/api/customer-groups', { key: 'viewer-made', name: 'No' }),
        await viewer.patch(`/api/customer-groups/${group.id}`, { name: 'No' }),
        await viewer.delete(`/api/customer-groups/${group.id}`),
        await viewer.post(`/api/customer-groups/${group.id}/members`, { contactIds: [contact] }),
        await viewer.post(`/api/customer-groups/${group.id}/members/remove`, { contactIds: [contact] }),
      ];
      expect(writes.map((r) => r.statusCode)).toEqual([403, 403, 403, 403, 403]);
      expect((await admin.get(`/api/customer-groups/${group.id}`)).json()).toMatchObject({
        name: 'guarded',
        contactCount: 0,
      });
    });

    it('refuses employees without customerGroups.read, and anonymous callers', async () => {
      const settings = await t.employee(['settingsEdit']);
      expect((await settings.get('/api/customer-groups')).statusCode).toBe(403);
      expect((await t.anonymous.get('/api/customer-groups')).statusCode).toBe(401);
    });
  });
});
