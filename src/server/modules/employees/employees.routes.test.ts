import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, PASSWORD, type Client, type TestApp } from '../../../../test/helpers/app.ts';

const NIL = '00000000-0000-4000-8000-000000000000';

describe('employees API', () => {
  let t: TestApp;
  let admin: Client & { id: string; email: string };
  let accountA: string;
  let accountB: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    accountA = (await admin.post('/api/accounts', { kind: 'business', name: 'Staff A' })).json().id;
    accountB = (await admin.post('/api/accounts', { kind: 'business', name: 'Staff B' })).json().id;
  });
  afterAll(() => t.close());

  const signIn = (email: string, password = PASSWORD) =>
    t.anonymous.post('/api/session', { email, password });

  it('creates an employee with roles and assigned accounts, never showing the password', async () => {
    const res = await admin.post('/api/employees', {
      email: 'crm.person@staff.test',
      name: 'Crm Person',
      password: 'a-long-enough-password',
      roles: ['crmCompanyEdit', 'crmCompanyEdit'],
      assignedAccountIds: [accountB, accountA],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      id: expect.any(String),
      email: 'crm.person@staff.test',
      name: 'Crm Person',
      roles: ['crmCompanyEdit'],
      status: 'active',
      assignedAccountIds: [accountA, accountB].sort(),
      createdAt: expect.any(String),
      lastSignInAt: null,
    });
    expect(res.body).not.toContain('a-long-enough-password');
    expect(res.body).not.toMatch(/password/i);
    expect((await signIn('crm.person@staff.test', 'a-long-enough-password')).statusCode).toBe(200);

    const read = await admin.get(`/api/employees/${res.json().id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json().lastSignInAt).not.toBeNull();
    const list = await admin.get('/api/employees');
    expect(list.statusCode).toBe(200);
    expect(list.json().map((e: { email: string }) => e.email)).toContain('crm.person@staff.test');
    expect(list.body).not.toMatch(/password/i);

    const audit = await t.deps.database.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'after'])
      .where('entity_id', '=', res.json().id)
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ action: 'employee.created', actor_id: admin.id });
    expect(JSON.stringify(audit.after)).not.toMatch(/password|argon/i);
  });

  it('refuses an assigned account that does not exist with 422, creating nobody', async () => {
    const res = await admin.post('/api/employees', {
      email: 'ghost.accounts@staff.test',
      roles: ['crmCompanyView'],
      assignedAccountIds: [accountA, NIL],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({
      code: 'unprocessable',
      details: [{ path: 'assignedAccountIds', message: expect.stringContaining(NIL) }],
    });
    const rows = await t.deps.database.db
      .selectFrom('employees')
      .select('id')
      .where('email', '=', 'ghost.accounts@staff.test')
      .execute();
    expect(rows).toEqual([]);
    const malformed = await admin.post('/api/employees', {
      email: 'ghost.accounts@staff.test',
      roles: ['crmCompanyView'],
      assignedAccountIds: ['nope'],
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.details).toContainEqual(
      expect.objectContaining({ path: 'assignedAccountIds.0' }),
    );
  });

  it('refuses an unknown role, no roles, a bad email and a short password with 400', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ email: 'r@staff.test', roles: ['emperor'] }, 'roles.0'],
      [{ email: 'r@staff.test', roles: [] }, 'roles'],
      [{ email: 'r@staff.test' }, 'roles'],
      [{ email: 'not-an-email', roles: ['companyView'] }, 'email'],
      [{ email: 'r@staff.test', roles: ['companyView'], password: 'short' }, 'password'],
      [{ email: 'r@staff.test', roles: ['companyView'], name: 'n'.repeat(201) }, 'name'],
    ];
    for (const [body, path] of cases) {
      const res = await admin.post('/api/employees', body);
      expect(res.statusCode, `${path}: ${res.body}`).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ path }));
    }
    expect(
      await t.deps.database.db
        .selectFrom('employees')
        .select('id')
        .where('email', '=', 'r@staff.test')
        .execute(),
    ).toEqual([]);
  });

  it('refuses a second employee with the same email, whatever its case, with 409', async () => {
    expect(
      (await admin.post('/api/employees', { email: 'twin@staff.test', roles: ['companyView'] })).statusCode,
    ).toBe(201);
    const res = await admin.post('/api/employees', { email: 'TWIN@staff.test', roles: ['companyView'] });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.details).toEqual([{ path: 'email', message: expect.any(String) }]);
  });

  it('answers 404 for an unknown employee and 400 for a malformed id', async () => {
    expect((await admin.get(`/api/employees/${NIL}`)).statusCode).toBe(404);
    expect((await admin.patch(`/api/employees/${NIL}`, { name: 'x' })).statusCode).toBe(404);
    expect((await admin.get('/api/employees/42')).statusCode).toBe(400);
  });

  it('changes roles, name and assigned accounts, auditing only what changed', async () => {
    const e = (
      await admin.post('/api/employees', {
        email: 'changer@staff.test',
        name: 'Changer',
        roles: ['companyView'],
        assignedAccountIds: [accountA],
      })
    ).json();
    const res = await admin.patch(`/api/employees/${e.id}`, {
      roles: ['crmCompanyView'],
      assignedAccountIds: [accountB],
      name: 'Changer',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      roles: ['crmCompanyView'],
      assignedAccountIds: [accountB],
      name: 'Changer',
    });
    const entry = await t.deps.database.db
      .selectFrom('audit_log')
      .select(['before', 'after'])
      .where('entity_id', '=', e.id)
      .where('action', '=', 'employee.updated')
      .executeTakeFirstOrThrow();
    expect(entry).toEqual({
      before: { roles: ['companyView'], assignedAccountIds: [accountA] },
      after: { roles: ['crmCompanyView'], assignedAccountIds: [accountB] },
    });

    const unknown = await admin.patch(`/api/employees/${e.id}`, {
      assignedAccountIds: [NIL],
      name: 'Not saved',
    });
    expect(unknown.statusCode).toBe(422);
    expect((await admin.get(`/api/employees/${e.id}`)).json()).toMatchObject({
      name: 'Changer',
      assignedAccountIds: [accountB],
    });
  });

  it('does not let an administrator disable themselves or drop their own administrator role', async () => {
    const me = await t.employee(['administrator']);
    const disable = await me.patch(`/api/employees/${me.id}`, { status: 'disabled' });
    expect(disable.statusCode).toBe(422);
    expect(disable.json().error.details).toEqual([{ path: 'status', message: expect.any(String) }]);
    const demote = await me.patch(`/api/employees/${me.id}`, { roles: ['companyView'] });
    expect(demote.statusCode).toBe(422);
    expect(demote.json().error.details).toEqual([{ path: 'roles', message: expect.any(String) }]);
    const row = await t.deps.database.db
      .selectFrom('employees')
      .select(['status', 'roles'])
      .where('id', '=', me.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'active', roles: ['administrator'] });
    // Another administrator may.
    const other = await admin.patch(`/api/employees/${me.id}`, { roles: ['companyView'] });
    expect(other.statusCode).toBe(200);
  });

  it('ends a disabled employee’s sessions and refuses their sign-in', async () => {
    const e = await t.employee(['companyView']);
    expect((await e.get('/api/session')).statusCode).toBe(200);
    const res = await admin.patch(`/api/employees/${e.id}`, { status: 'disabled' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('disabled');
    expect((await e.get('/api/session')).statusCode).toBe(401);
    expect((await e.get('/api/accounts')).statusCode).toBe(401);
    const sessions = await t.deps.database.db
      .selectFrom('sessions')
      .select('token_hash')
      .where('subject_id', '=', e.id)
      .execute();
    expect(sessions).toEqual([]);
    expect((await signIn(e.email)).statusCode).toBe(401);

    // Enabled again, they may sign in again.
    expect((await admin.patch(`/api/employees/${e.id}`, { status: 'active' })).statusCode).toBe(200);
    expect((await signIn(e.email)).statusCode).toBe(200);
  });

  it('ends an employee’s sessions when their password changes, and audits it without the password', async () => {
    const e = await t.employee(['companyView']);
    const res = await admin.patch(`/api/employees/${e.id}`, { password: 'a-brand-new-password' });
    expect(res.statusCode).toBe(200);
    expect((await e.get('/api/session')).statusCode).toBe(401);
    expect((await signIn(e.email)).statusCode).toBe(401);
    expect((await signIn(e.email, 'a-brand-new-password')).statusCode).toBe(200);
    const entry = await t.deps.database.db
      .selectFrom('audit_log')
      .select(['before', 'after'])
      .where('entity_id', '=', e.id)
      .where('action', '=', 'employee.updated')
      .executeTakeFirstOrThrow();
    expect(entry).toEqual({ before: {}, after: { password: '(changed)' } });
  });

  it('applies a change of roles to the employee’s next request', async () => {
    const e = await t.employee(['companyView']);
    expect((await e.get('/api/accounts')).statusCode).toBe(200);
    await admin.patch(`/api/employees/${e.id}`, { roles: ['auditView'] });
    expect((await e.get('/api/accounts')).statusCode).toBe(403);
    expect((await e.get('/api/audit')).statusCode).toBe(200);
  });
});
