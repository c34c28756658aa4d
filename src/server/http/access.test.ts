import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, createTestApp, type Client, type TestApp } from '../../../test/helpers/app.ts';
import { EMPLOYEE_ROLES, type EmployeeRole } from '../../contracts/employees.ts';
import { permissionsOf, type Permission } from '../../contracts/permissions.ts';

type Route = {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: (role: EmployeeRole) => string;
  body?: (role: EmployeeRole) => unknown;
  /** Who may call it: one permission, any of several, or any employee. */
  needs: Permission | Permission[] | 'employee';
  ok: number;
};

const NIL = '00000000-0000-4000-8000-000000000000';

describe('access control', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  const f = {
    accountA: '',
    accountB: '',
    contactA: '',
    contactB: '',
    emailId: '',
    employeeTarget: '',
    keys: {} as Record<string, string>,
    employees: {} as Record<string, Client & { id: string }>,
  };

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
        sendEmail: 'accountactivation',
      })
    ).id;
    f.contactB = (
      await post(`/api/accounts/${f.accountB}/contacts`, {
        email: 'beta.person@scope.test',
        firstName: 'Beta',
        lastName: 'Person',
      })
    ).id;
    f.emailId = (await admin.get('/api/emails')).json().items[0].id;
    await post('/api/roles', { key: 'matrix-role', name: 'Matrix role' });
    await post('/api/group-roles', { key: 'matrix-group', name: 'Matrix group', roles: ['matrix-role'] });
    f.employeeTarget = (
      await post('/api/employees', { email: 'target@staff.test', roles: ['companyView'] })
    ).id;
    for (const role of EMPLOYEE_ROLES) {
      await post('/api/roles', { key: `del-${role}`, name: `To delete by ${role}` });
      await post('/api/group-roles', { key: `gdel-${role}`, name: `To delete by ${role}`, roles: [] });
      f.keys[role] = (await post('/api/api-keys', { name: `revoke-${role}`, roles: ['companyView'] })).id;
    }
    // Password hashing dominates here; the hashes run side by side on the thread pool.
    const employees = await Promise.all(
      EMPLOYEE_ROLES.map((role) => t.employee([role], { assignedAccountIds: [f.accountA] })),
    );
    EMPLOYEE_ROLES.forEach((role, i) => (f.employees[role] = employees[i]!));
  });
  afterAll(() => t.close());

  const routes: Route[] = [
    { method: 'GET', url: () => '/api/session', needs: 'employee', ok: 200 },
    { method: 'GET', url: () => '/api/accounts', needs: 'accounts.read', ok: 200 },
    { method: 'GET', url: () => '/api/accounts?q=alpha', needs: 'accounts.read', ok: 200 },
    { method: 'GET', url: () => `/api/accounts/${f.accountA}`, needs: 'accounts.read', ok: 200 },
    {
      method: 'POST',
      url: () => '/api/accounts',
      body: (r) => ({ kind: 'business', name: `Matrix ${r}` }),
      needs: 'accounts.write',
      ok: 201,
    },
    {
      method: 'PATCH',
      url: () => `/api/accounts/${f.accountA}`,
      body: () => ({ name: 'Alpha Assigned' }),
      needs: 'accounts.write',
      ok: 200,
    },
    {
      method: 'PUT',
      url: () => `/api/accounts/${f.accountA}/assignees`,
      body: () => ({ employeeIds: Object.values(f.employees).map((e) => e.id) }),
      needs: 'employees.write',
      ok: 200,
    },
    { method: 'GET', url: () => `/api/accounts/${f.accountA}/contacts`, needs: 'contacts.read', ok: 200 },
    {
      method: 'POST',
      url: () => `/api/accounts/${f.accountA}/contacts`,
      body: (r) => ({ email: `path-${r}@matrix.test`, firstName: 'Matrix', lastName: r }),
      needs: 'contacts.write',
      ok: 201,
    },
    { method: 'GET', url: () => '/api/contacts', needs: 'contacts.read', ok: 200 },
    { method: 'GET', url: () => '/api/contacts?q=person', needs: 'contacts.read', ok: 200 },
    { method: 'GET', url: () => `/api/contacts/${f.contactA}`, needs: 'contacts.read', ok: 200 },
    { method: 'GET', url: () => '/api/contacts/duplicates?email=x@y.z', needs: 'contacts.read', ok: 200 },
    {
      method: 'POST',
      url: () => '/api/contacts',
      body: (r) => ({
        accountId: f.accountA,
        email: `list-${r}@matrix.test`,
        firstName: 'Matrix',
        lastName: r,
      }),
      needs: 'contacts.write',
      ok: 201,
    },
    {
      method: 'PATCH',
      url: () => `/api/contacts/${f.contactA}`,
      body: (r) => ({ phone: r }),
      needs: 'contacts.write',
      ok: 200,
    },
    { method: 'GET', url: () => '/api/roles', needs: 'roles.read', ok: 200 },
    {
      method: 'POST',
      url: () => '/api/roles',
      body: (r) => ({ key: `new-${r}`, name: r }),
      needs: 'roles.write',
      ok: 201,
    },
    {
      method: 'PATCH',
      url: () => '/api/roles/matrix-role',
      body: (r) => ({ description: r }),
      needs: 'roles.write',
      ok: 200,
    },
    { method: 'DELETE', url: (r) => `/api/roles/del-${r}`, needs: 'roles.write', ok: 204 },
    { method: 'GET', url: () => '/api/group-roles', needs: 'roles.read', ok: 200 },
    {
      method: 'POST',
      url: () => '/api/group-roles',
      body: (r) => ({ key: `gnew-${r}`, name: r, roles: ['matrix-role'] }),
      needs: 'roles.write',
      ok: 201,
    },
    {
      method: 'PATCH',
      url: () => '/api/group-roles/matrix-group',
      body: (r) => ({ name: `Matrix group ${r}` }),
      needs: 'roles.write',
      ok: 200,
    },
    { method: 'DELETE', url: (r) => `/api/group-roles/gdel-${r}`, needs: 'roles.write', ok: 204 },
    { method: 'GET', url: () => '/api/employees', needs: 'employees.read', ok: 200 },
    { method: 'GET', url: () => `/api/employees/${f.employeeTarget}`, needs: 'employees.read', ok: 200 },
    {
      method: 'POST',
      url: () => '/api/employees',
      body: (r) => ({ email: `made-by-${r}@staff.test`, roles: ['companyView'] }),
      needs: 'employees.write',
      ok: 201,
    },
    {
      method: 'PATCH',
      url: () => `/api/employees/${f.employeeTarget}`,
      body: (r) => ({ name: r }),
      needs: 'employees.write',
      ok: 200,
    },
    { method: 'GET', url: () => '/api/api-keys', needs: 'apiKeys.manage', ok: 200 },
    {
      method: 'POST',
      url: () => '/api/api-keys',
      body: (r) => ({ name: `by ${r}`, roles: [r] }),
      needs: 'apiKeys.manage',
      ok: 201,
    },
    { method: 'DELETE', url: (r) => `/api/api-keys/${f.keys[r]}`, needs: 'apiKeys.manage', ok: 204 },
    { method: 'GET', url: () => '/api/audit', needs: 'audit.read', ok: 200 },
    {
      method: 'GET',
      url: () => `/api/audit?entityType=account&entityId=${f.accountA}`,
      needs: ['audit.read', 'accounts.read'],
      ok: 200,
    },
    {
      method: 'GET',
      url: () => `/api/audit?entityType=contact&entityId=${f.contactA}`,
      needs: ['audit.read', 'contacts.read'],
      ok: 200,
    },
    { method: 'GET', url: () => '/api/emails', needs: 'emails.read', ok: 200 },
    { method: 'GET', url: () => `/api/emails/${f.emailId}`, needs: 'emails.read', ok: 200 },
  ];

  const allowed = (role: EmployeeRole, needs: Route['needs']) => {
    if (needs === 'employee') return true;
    const held = permissionsOf([role]);
    return (Array.isArray(needs) ? needs : [needs]).some((p) => held.has(p));
  };

  const call = (client: Client, route: Route, role: EmployeeRole) => {
    const url = route.url(role);
    const body = route.body?.(role);
    switch (route.method) {
      case 'GET':
        return client.get(url);
      case 'DELETE':
        return client.delete(url);
      case 'POST':
        return client.post(url, body);
      case 'PATCH':
        return client.patch(url, body);
      case 'PUT':
        return client.put(url, body);
    }
  };

  describe('the permission matrix', () => {
    it('answers 401 to every employee route without credentials', async () => {
      for (const route of routes) {
        const res = await call(t.anonymous, route, 'administrator');
        expect(res.statusCode, `${route.method} ${route.url('administrator')}`).toBe(401);
        expect(res.json().error.code).toBe('unauthenticated');
      }
    });

    it.each(EMPLOYEE_ROLES)('lets %s do exactly what its permissions allow', async (role) => {
      const client = f.employees[role]!;
      for (const route of routes) {
        const label = `${role}: ${route.method} ${route.url(role)}`;
        const res = await call(client, route, role);
        if (allowed(role, route.needs)) {
          expect(res.statusCode, `${label} → ${res.body}`).toBe(route.ok);
        } else {
          expect(res.statusCode, `${label} → ${res.body}`).toBe(403);
          expect(res.json().error.code, label).toBe('forbidden');
        }
      }
    });

    it('leaves no trace of the writes it refused', async () => {
      const db = t.deps.database.db;
      for (const role of EMPLOYEE_ROLES) {
        const held = permissionsOf([role]);
        const account = await db
          .selectFrom('accounts')
          .select('id')
          .where('name', '=', `Matrix ${role}`)
          .execute();
        expect(account.length, `account by ${role}`).toBe(held.has('accounts.write') ? 1 : 0);
        const contacts = await db
          .selectFrom('contacts')
          .select('id')
          .where('email', 'in', [`path-${role}@matrix.test`, `list-${role}@matrix.test`])
          .execute();
        expect(contacts.length, `contacts by ${role}`).toBe(held.has('contacts.write') ? 2 : 0);
        const roles = await db
          .selectFrom('roles')
          .select('id')
          .where('key', 'in', [`new-${role}`, `del-${role}`])
          .execute();
        // With roles.write the new role exists and the other was deleted: one either way, but not the same one.
        expect(roles.length, `roles by ${role}`).toBe(1);
        const created = await db.selectFrom('roles').select('id').where('key', '=', `new-${role}`).execute();
        expect(created.length, `role created by ${role}`).toBe(held.has('roles.write') ? 1 : 0);
        const employee = await db
          .selectFrom('employees')
          .select('id')
          .where('email', '=', `made-by-${role}@staff.test`)
          .execute();
        expect(employee.length, `employee by ${role}`).toBe(held.has('employees.write') ? 1 : 0);
        const key = await db
          .selectFrom('api_keys')
          .select('revoked_at')
          .where('id', '=', f.keys[role]!)
          .executeTakeFirstOrThrow();
        expect(key.revoked_at === null, `key revoked by ${role}`).toBe(!held.has('apiKeys.manage'));
      }
    });

    it('lets an employee holding several roles do what any of them allows', async () => {
      const both = await t.employee(['customerView', 'auditView']);
      expect((await both.get('/api/contacts')).statusCode).toBe(200);
      expect((await both.get('/api/audit')).statusCode).toBe(200);
      expect((await both.post('/api/roles', { key: 'nope-both', name: 'x' })).statusCode).toBe(403);
    });

    it('applies an API key’s roles the same way', async () => {
      const created = await admin.post('/api/api-keys', { name: 'viewer', roles: ['customerView'] });
      const api = clientFor(t.app, { authorization: `Bearer ${created.json().key}` });
      expect((await api.get('/api/contacts')).statusCode).toBe(200);
      expect((await api.get('/api/employees')).statusCode).toBe(403);
      const write = await api.post(`/api/accounts/${f.accountA}/contacts`, {
        email: 'k@x.com',
        firstName: 'K',
        lastName: 'Ey',
      });
      expect(write.statusCode).toBe(403);
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
