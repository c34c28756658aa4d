import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

describe('an API key holds no more than its creator holds now', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
  });
  afterAll(() => t.close());

  async function keyBy(creator: Client, roles: string[]) {
    const res = await creator.post('/api/api-keys', { name: `key ${roles.join(',')}`, roles });
    expect(res.statusCode).toBe(201);
    return {
      id: res.json().id as string,
      api: clientFor(t.app, { authorization: `Bearer ${res.json().key}` }),
    };
  }

  it('refuses the key of a disabled creator with 401, and accepts it again when the creator is back', async () => {
    const creator = await t.employee(['superuser']);
    const { api } = await keyBy(creator, ['superuser']);
    expect((await api.get('/api/employees')).statusCode).toBe(200);
    expect((await admin.patch(`/api/employees/${creator.id}`, { status: 'disabled' })).statusCode).toBe(200);
    const refused = await api.get('/api/employees');
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toMatchObject({ code: 'unauthenticated' });
    // Not even a creation of a new employee gets through.
    const write = await api.post('/api/employees', {
      email: 'after-disable@staff.test',
      roles: ['companyView'],
    });
    expect(write.statusCode).toBe(401);
    expect(
      await t.deps.database.db
        .selectFrom('employees')
        .select('id')
        .where('email', '=', 'after-disable@staff.test')
        .execute(),
    ).toEqual([]);
    expect((await admin.patch(`/api/employees/${creator.id}`, { status: 'active' })).statusCode).toBe(200);
    expect((await api.get('/api/employees')).statusCode).toBe(200);
  });

  it('refuses a key whose creator was deleted, or that has no creator at all', async () => {
    const creator = await t.employee(['companyView', 'integrationsManage']);
    const { api, id } = await keyBy(creator, ['companyView']);
    await t.deps.database.db.deleteFrom('sessions').where('subject_id', '=', creator.id).execute();
    await t.deps.database.db.deleteFrom('employees').where('id', '=', creator.id).execute();
    const row = await t.deps.database.db
      .selectFrom('api_keys')
      .select('created_by')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.created_by).toBeNull();
    expect((await api.get('/api/accounts')).statusCode).toBe(401);
  });

  it('cuts a key’s permissions to what its creator still has, at the next request', async () => {
    const creator = await t.employee(['companyEdit', 'auditView', 'integrationsManage']);
    const { api } = await keyBy(creator, ['companyEdit', 'auditView']);
    expect((await api.post('/api/accounts', { kind: 'business', name: 'Before' })).statusCode).toBe(201);
    expect((await api.get('/api/audit')).statusCode).toBe(200);

    expect(
      (await admin.patch(`/api/employees/${creator.id}`, { roles: ['companyView', 'integrationsManage'] }))
        .statusCode,
    ).toBe(200);
    const write = await api.post('/api/accounts', { kind: 'business', name: 'After' });
    expect(write.statusCode).toBe(403);
    expect(write.json().error.code).toBe('forbidden');
    expect((await api.get('/api/audit')).statusCode).toBe(403);
    // What both still hold keeps working.
    expect((await api.get('/api/accounts')).statusCode).toBe(200);
    const names = await t.deps.database.db
      .selectFrom('accounts')
      .select('name')
      .where('name', 'in', ['Before', 'After'])
      .execute();
    expect(names).toEqual([{ name: 'Before' }]);
  });

  it('records the employee behind a key made by a key, so the chain ends at a person', async () => {
    const creator = await t.employee(['integrationsManage', 'companyView']);
    const { api } = await keyBy(creator, ['integrationsManage', 'companyView']);
    const child = await api.post('/api/api-keys', { name: 'child', roles: ['companyView'] });
    expect(child.statusCode).toBe(201);
    const row = await t.deps.database.db
      .selectFrom('api_keys')
      .select('created_by')
      .where('id', '=', child.json().id)
      .executeTakeFirstOrThrow();
    expect(row.created_by).toBe(creator.id);
    await admin.patch(`/api/employees/${creator.id}`, { status: 'disabled' });
    const childApi = clientFor(t.app, { authorization: `Bearer ${child.json().key}` });
    expect((await childApi.get('/api/accounts')).statusCode).toBe(401);
  });
});

describe('sign-in and sign-up refuse foreign pages (login CSRF)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await t.employee(['companyView'], { email: 'csrf-employee@staff.test' });
  });
  afterAll(() => t.close());

  const FOREIGN = { origin: 'https://evil.example' };
  const CROSS_SITE = { 'sec-fetch-site': 'cross-site' };
  const post = (url: string, payload: object, headers: Record<string, string>) =>
    t.app.inject({ method: 'POST', url, payload, headers });

  const cases: [string, object][] = [
    ['/api/session', { email: 'csrf-employee@staff.test', password: 'correct-horse-battery' }],
    ['/api/store/session', { email: 'nobody@example.com', password: 'whatever-it-is' }],
    ['/api/store/register', { kind: 'personal' }],
    ['/api/store/join/verify', { accountNumber: 'X' }],
    ['/api/store/join', { token: 'x' }],
  ];

  it.each(cases)(
    'refuses POST %s from a foreign Origin or a cross-site fetch with 403',
    async (url, body) => {
      for (const headers of [FOREIGN, CROSS_SITE]) {
        const res = await post(url, body, headers);
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual({
          error: {
            code: 'forbidden',
            message: 'This request came from another site and was refused',
            details: undefined,
          },
        });
        expect(res.headers['set-cookie']).toBeUndefined();
      }
    },
  );

  it('still signs in from our own pages and from clients that send no Origin', async () => {
    const body = { email: 'csrf-employee@staff.test', password: 'correct-horse-battery' };
    for (const headers of [
      { origin: 'http://clientele.test' },
      {},
      { 'sec-fetch-site': 'same-origin' },
    ] as Record<string, string>[]) {
      const res = await post('/api/session', body, headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(200);
      expect(res.headers['set-cookie']).toBeDefined();
    }
  });
});
