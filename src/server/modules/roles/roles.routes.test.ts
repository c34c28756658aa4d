import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

type Role = { id: string; key: string; name: string; description: string | null };
type GroupRole = { id: string; key: string; name: string; roles: string[] };

describe('roles and group roles API', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let accountId: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    accountId = (await admin.post('/api/accounts', { kind: 'business', name: 'Roles Co' })).json().id;
  });
  afterAll(() => t.close());

  const createRole = async (key: string, name = key) => {
    const res = await admin.post('/api/roles', { key, name });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Role>();
  };
  const addContact = async (email: string, body: Record<string, unknown>) => {
    const res = await admin.post(`/api/accounts/${accountId}/contacts`, {
      email,
      firstName: 'R',
      lastName: 'C',
      ...body,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string; roles: string[]; groupRoles: string[]; effectiveRoles: string[] }>();
  };

  describe('roles', () => {
    it('creates a role and lists roles by name', async () => {
      const res = await admin.post('/api/roles', {
        key: 'buyer',
        name: 'Buyer',
        description: 'Places orders',
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({
        id: expect.any(String),
        key: 'buyer',
        name: 'Buyer',
        description: 'Places orders',
      });
      await createRole('approver', 'Approver');
      const list = await admin.get('/api/roles');
      expect(list.statusCode).toBe(200);
      const names = list.json<Role[]>().map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(['Approver', 'Buyer']));
      expect(names.indexOf('Approver')).toBeLessThan(names.indexOf('Buyer'));
      const audit = await t.deps.database.db
        .selectFrom('audit_log')
        .select(['action', 'actor_id'])
        .where('entity_id', '=', res.json().id)
        .execute();
      expect(audit).toEqual([{ action: 'role.created', actor_id: admin.id }]);
    });

    it('refuses a duplicate key with 409 on key', async () => {
      await createRole('dup-role');
      const res = await admin.post('/api/roles', { key: 'dup-role', name: 'Again' });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({
        code: 'conflict',
        details: [{ path: 'key', message: expect.any(String) }],
      });
    });

    it('refuses a malformed key, a missing name and an overlong description with 400', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ key: 'has space', name: 'x' }, 'key'],
        [{ key: '-leading', name: 'x' }, 'key'],
        [{ key: 'k'.repeat(65), name: 'x' }, 'key'],
        [{ key: 'ok-key' }, 'name'],
        [{ key: 'ok-key', name: 'x', description: 'd'.repeat(501) }, 'description'],
      ];
      for (const [body, path] of cases) {
        const res = await admin.post('/api/roles', body);
        expect(res.statusCode, path).toBe(400);
        expect(res.json().error.details).toContainEqual(expect.objectContaining({ path }));
      }
      const stored = await t.deps.database.db
        .selectFrom('roles')
        .select('id')
        .where('key', '=', 'ok-key')
        .execute();
      expect(stored).toEqual([]);
    });

    it('renames a role and audits only what changed', async () => {
      const role = await createRole('rename-me', 'Old name');
      const res = await admin.patch('/api/roles/rename-me', { name: 'New name' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ ...role, name: 'New name' });
      const entry = await t.deps.database.db
        .selectFrom('audit_log')
        .select(['before', 'after'])
        .where('entity_id', '=', role.id)
        .where('action', '=', 'role.updated')
        .executeTakeFirstOrThrow();
      expect(entry).toEqual({ before: { name: 'Old name' }, after: { name: 'New name' } });
      expect((await admin.patch('/api/roles/no-such-role', { name: 'x' })).statusCode).toBe(404);
      expect((await admin.patch('/api/roles/bad%20key', { name: 'x' })).statusCode).toBe(400);
    });

    it('answers an empty change with the role as it is, writing no audit entry', async () => {
      const role = await createRole('unchanged', 'Same name');
      const res = await admin.patch('/api/roles/unchanged', {});
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual(role);
      const entries = await t.deps.database.db
        .selectFrom('audit_log')
        .select('action')
        .where('entity_id', '=', role.id)
        .execute();
      expect(entries).toEqual([{ action: 'role.created' }]);
      expect((await admin.patch('/api/roles/no-such-role', {})).statusCode).toBe(404);
    });

    it('deletes a role nobody holds', async () => {
      const role = await createRole('unused');
      const res = await admin.delete('/api/roles/unused');
      expect(res.statusCode).toBe(204);
      expect(
        await t.deps.database.db.selectFrom('roles').select('id').where('id', '=', role.id).execute(),
      ).toEqual([]);
      expect((await admin.delete('/api/roles/unused')).statusCode).toBe(404);
    });

    it('refuses to delete a role a contact holds, or a group role includes, with 409', async () => {
      await createRole('held');
      await addContact('holder@roles.test', { roles: ['held'] });
      const res = await admin.delete('/api/roles/held');
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('conflict');

      await createRole('bundled');
      expect(
        (await admin.post('/api/group-roles', { key: 'bundle', name: 'Bundle', roles: ['bundled'] }))
          .statusCode,
      ).toBe(201);
      expect((await admin.delete('/api/roles/bundled')).statusCode).toBe(409);
      const stored = await t.deps.database.db
        .selectFrom('roles')
        .select('key')
        .where('key', 'in', ['held', 'bundled'])
        .execute();
      expect(stored).toHaveLength(2);
    });
  });

  describe('group roles', () => {
    beforeAll(async () => {
      await createRole('gr-a');
      await createRole('gr-b');
      await createRole('gr-c');
    });

    it('creates a group role of existing roles, listed with its roles', async () => {
      const res = await admin.post('/api/group-roles', {
        key: 'team',
        name: 'Team',
        roles: ['gr-b', 'gr-a', 'gr-a'],
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({
        id: expect.any(String),
        key: 'team',
        name: 'Team',
        roles: ['gr-a', 'gr-b'],
      });
      const empty = await admin.post('/api/group-roles', {
        key: 'empty-team',
        name: 'Empty team',
        roles: [],
      });
      expect(empty.statusCode).toBe(201);
      const list = (await admin.get('/api/group-roles')).json<GroupRole[]>();
      expect(list).toContainEqual({ id: res.json().id, key: 'team', name: 'Team', roles: ['gr-a', 'gr-b'] });
      expect(list).toContainEqual(expect.objectContaining({ key: 'empty-team', roles: [] }));
    });

    it('refuses unknown roles with 422 on roles, storing nothing', async () => {
      const res = await admin.post('/api/group-roles', {
        key: 'ghosts',
        name: 'Ghosts',
        roles: ['gr-a', 'ghost', 'phantom'],
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({
        code: 'unprocessable',
        details: [{ path: 'roles', message: expect.stringMatching(/ghost.*phantom/) }],
      });
      expect(
        await t.deps.database.db.selectFrom('group_roles').select('id').where('key', '=', 'ghosts').execute(),
      ).toEqual([]);
    });

    it('refuses a duplicate key with 409 and a missing roles list with 400', async () => {
      await admin.post('/api/group-roles', { key: 'twice', name: 'Twice', roles: [] });
      const res = await admin.post('/api/group-roles', { key: 'twice', name: 'Twice again', roles: [] });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.details).toEqual([{ path: 'key', message: expect.any(String) }]);
      const missing = await admin.post('/api/group-roles', { key: 'noroles', name: 'No roles' });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error.details).toContainEqual(expect.objectContaining({ path: 'roles' }));
    });

    it('replaces its roles, which changes the effective roles of contacts holding it', async () => {
      await admin.post('/api/group-roles', { key: 'shifting', name: 'Shifting', roles: ['gr-a'] });
      const contact = await addContact('shifter@roles.test', { groupRoles: ['shifting'], roles: ['gr-c'] });
      expect(contact.effectiveRoles).toEqual(['gr-a', 'gr-c']);
      const res = await admin.patch('/api/group-roles/shifting', { roles: ['gr-b'] });
      expect(res.statusCode).toBe(200);
      expect(res.json().roles).toEqual(['gr-b']);
      const after = (await admin.get(`/api/contacts/${contact.id}`)).json();
      expect(after.effectiveRoles).toEqual(['gr-b', 'gr-c']);
      const entry = await t.deps.database.db
        .selectFrom('audit_log')
        .select(['before', 'after'])
        .where('entity_id', '=', res.json().id)
        .where('action', '=', 'group_role.updated')
        .executeTakeFirstOrThrow();
      expect(entry).toEqual({ before: { roles: ['gr-a'] }, after: { roles: ['gr-b'] } });
    });

    it('changes nothing when a change names an unknown role', async () => {
      await admin.post('/api/group-roles', { key: 'steady', name: 'Steady', roles: ['gr-a'] });
      const res = await admin.patch('/api/group-roles/steady', { name: 'Renamed', roles: ['gr-b', 'nope'] });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details).toEqual([{ path: 'roles', message: expect.stringContaining('nope') }]);
      const list = (await admin.get('/api/group-roles')).json<GroupRole[]>();
      expect(list.find((g) => g.key === 'steady')).toMatchObject({ name: 'Steady', roles: ['gr-a'] });
      expect((await admin.patch('/api/group-roles/unknown-group', { name: 'x' })).statusCode).toBe(404);
    });

    it('deletes a group role nobody holds, and refuses one a contact holds with 409', async () => {
      await admin.post('/api/group-roles', { key: 'disposable', name: 'Disposable', roles: ['gr-a'] });
      expect((await admin.delete('/api/group-roles/disposable')).statusCode).toBe(204);
      expect((await admin.delete('/api/group-roles/disposable')).statusCode).toBe(404);
      // Deleting the group role freed its roles.
      await createRole('freed');
      await admin.post('/api/group-roles', { key: 'holds-freed', name: 'Holds freed', roles: ['freed'] });
      expect((await admin.delete('/api/group-roles/holds-freed')).statusCode).toBe(204);
      expect((await admin.delete('/api/roles/freed')).statusCode).toBe(204);

      await admin.post('/api/group-roles', { key: 'in-use', name: 'In use', roles: [] });
      await addContact('member@roles.test', { groupRoles: ['in-use'] });
      const res = await admin.delete('/api/group-roles/in-use');
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('conflict');
      expect(
        await t.deps.database.db.selectFrom('group_roles').select('id').where('key', '=', 'in-use').execute(),
      ).toHaveLength(1);
    });
  });
});
