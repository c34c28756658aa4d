import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

type Signed = Client & { id: string; email: string };

describe('the administrator role', () => {
  let t: TestApp;
  let admin: Signed;
  let superuser: Signed;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    superuser = await t.employee(['superuser']);
  });
  afterAll(() => t.close());

  const rolesOf = async (id: string) =>
    (
      await t.deps.database.db
        .selectFrom('employees')
        .select(['roles', 'status'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).roles;

  it('does not let a superuser take the administrator role away, disable or re-password an administrator', async () => {
    for (const body of [
      { roles: ['superuser'] },
      { status: 'disabled' },
      { password: 'a-password-of-my-choice' },
    ]) {
      const res = await superuser.patch(`/api/employees/${admin.id}`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(403);
      expect(res.json().error).toMatchObject({
        code: 'forbidden',
        message: 'Only an administrator can grant, remove or change the administrator role',
      });
    }
    expect(await rolesOf(admin.id)).toEqual(['administrator']);
    expect((await admin.get('/api/employees')).statusCode).toBe(200);
  });

  it('does not let a superuser grant the administrator role, to a new or an existing employee', async () => {
    const created = await superuser.post('/api/employees', {
      email: 'would-be-admin@staff.test',
      roles: ['administrator'],
    });
    expect(created.statusCode).toBe(403);
    expect(created.json().error.details).toEqual([{ path: 'roles', message: 'Ask an administrator' }]);
    const other = await t.employee(['companyView']);
    const promoted = await superuser.patch(`/api/employees/${other.id}`, { roles: ['administrator'] });
    expect(promoted.statusCode).toBe(403);
    expect(await rolesOf(other.id)).toEqual(['companyView']);
    // A superuser still manages everyone else.
    const ok = await superuser.patch(`/api/employees/${other.id}`, { roles: ['companyEdit'] });
    expect(ok.statusCode).toBe(200);
  });

  it('does not let a superuser make or revoke an administrator API key', async () => {
    const made = await superuser.post('/api/api-keys', { name: 'root', roles: ['administrator'] });
    expect(made.statusCode).toBe(403);
    const byAdmin = await admin.post('/api/api-keys', { name: 'root', roles: ['administrator'] });
    expect(byAdmin.statusCode).toBe(201);
    const revoke = await superuser.delete(`/api/api-keys/${byAdmin.json().id}`);
    expect(revoke.statusCode).toBe(403);
    const row = await t.deps.database.db
      .selectFrom('api_keys')
      .select('revoked_at')
      .where('id', '=', byAdmin.json().id)
      .executeTakeFirstOrThrow();
    expect(row.revoked_at).toBeNull();
    expect((await admin.delete(`/api/api-keys/${byAdmin.json().id}`)).statusCode).toBe(204);
  });

  it('refuses with 422 to demote or disable the last active administrator, and allows it once there is another', async () => {
    // An administrator key acts on its own creator without being "themselves".
    const made = await admin.post('/api/api-keys', { name: 'admin key', roles: ['administrator'] });
    const key = t.app.inject.bind(t.app);
    const asKey = (url: string, payload: object) =>
      key({ method: 'PATCH', url, payload, headers: { authorization: `Bearer ${made.json().key}` } });
    for (const body of [{ roles: ['superuser'] }, { status: 'disabled' }]) {
      const res = await asKey(`/api/employees/${admin.id}`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().error).toEqual({
        code: 'unprocessable',
        message: 'This is the last active administrator: make another employee administrator first',
        details: [{ path: Object.keys(body)[0], message: 'The last active administrator must stay' }],
      });
    }
    expect(await rolesOf(admin.id)).toEqual(['administrator']);

    const second = await t.employee(['companyView']);
    expect((await admin.patch(`/api/employees/${second.id}`, { roles: ['administrator'] })).statusCode).toBe(
      200,
    );
    expect((await asKey(`/api/employees/${admin.id}`, { roles: ['superuser'] })).statusCode).toBe(200);
    expect(await rolesOf(admin.id)).toEqual(['superuser']);
    // The key's creator is no administrator any more, so neither is the key.
    const after = await asKey(`/api/employees/${second.id}`, { status: 'disabled' });
    expect(after.statusCode).toBe(403);
    const self = await second.patch(`/api/employees/${second.id}`, { status: 'disabled' });
    expect(self.statusCode).toBe(422);
    expect(await rolesOf(second.id)).toEqual(['administrator']);
  });
});
