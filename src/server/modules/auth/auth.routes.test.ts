import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, cookieOf, createTestApp, PASSWORD, type TestApp } from '../../../../test/helpers/app.ts';
import { issueToken } from '../../lib/one-time-tokens.ts';
import { createEmployee } from '../employees/employees.service.ts';
import { ensureFirstAdministrator } from './bootstrap.ts';

const FOREIGN = 'https://evil.example';

describe('employee sign-in, API keys and first start', () => {
  let t: TestApp;
  let n = 0;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const uniqueEmail = (label: string) => `${label}-${++n}@example.com`;

  async function newEmployee(roles: Parameters<TestApp['employee']>[0] = ['administrator'], label = 'emp') {
    const email = uniqueEmail(label);
    const employee = await createEmployee(t.deps.database.db, t.system, { email, password: PASSWORD, roles });
    return { ...employee, email };
  }

  const signIn = (email: string, password = PASSWORD, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/api/session', payload: { email, password }, headers });

  describe('first administrator', () => {
    it('creates one administrator from ADMIN_EMAIL and ADMIN_PASSWORD on an empty database, once', async () => {
      const messages: string[] = [];
      const options = {
        scopeId: t.deps.scopeId,
        adminEmail: 'first-admin@example.com',
        adminPassword: 'first-admin-password',
        publicUrl: 'http://clientele.test',
      };
      await Promise.all([
        ensureFirstAdministrator(t.deps.database.db, options, (m) => messages.push(m)),
        ensureFirstAdministrator(t.deps.database.db, options, (m) => messages.push(m)),
      ]);
      await ensureFirstAdministrator(t.deps.database.db, options, (m) => messages.push(m));
      const rows = await t.deps.database.db
        .selectFrom('employees')
        .select(['email', 'roles', 'status'])
        .execute();
      expect(rows).toEqual([
        { email: 'first-admin@example.com', roles: ['administrator'], status: 'active' },
      ]);
      expect(messages.join('\n')).not.toContain('/setup?token=');

      const res = await signIn('first-admin@example.com', 'first-admin-password');
      expect(res.statusCode).toBe(200);
      expect(res.json().employee.roles).toEqual(['administrator']);
    });

    it('logs a one-time setup link without ADMIN_EMAIL, and the link creates the administrator once', async () => {
      // Back to an empty database.
      await t.deps.database.db.deleteFrom('sessions').execute();
      await t.deps.database.db.deleteFrom('employees').execute();

      const messages: string[] = [];
      await ensureFirstAdministrator(
        t.deps.database.db,
        { scopeId: t.deps.scopeId, publicUrl: 'http://clientele.test' },
        (m) => messages.push(m),
      );
      const link = /http:\/\/clientele\.test\/setup\?token=([\w-]+)/.exec(messages.join('\n'));
      expect(link).not.toBeNull();
      const token = link![1]!;
      expect(await t.deps.database.db.selectFrom('employees').select('id').execute()).toEqual([]);

      const body = {
        token,
        email: 'setup-admin@example.com',
        name: 'Setup Admin',
        password: 'setup-admin-password',
      };
      // A token of another purpose, or a made-up one, does not set anything up.
      const other = await issueToken(t.deps.database.db, 'activation', null, 3600_000);
      const wrongPurpose = await t.anonymous.post('/api/setup', { ...body, token: other.token });
      expect(wrongPurpose.statusCode).toBe(422);
      expect(wrongPurpose.json().error.details).toEqual([{ path: 'token', message: 'invalid' }]);
      const madeUp = await t.anonymous.post('/api/setup', { ...body, token: 'x'.repeat(43) });
      expect(madeUp.statusCode).toBe(422);
      const weak = await t.anonymous.post('/api/setup', { ...body, password: 'short' });
      expect(weak.statusCode).toBe(400);
      expect(weak.json().error.details).toContainEqual(expect.objectContaining({ path: 'password' }));
      expect(await t.deps.database.db.selectFrom('employees').select('id').execute()).toEqual([]);

      const res = await t.anonymous.post('/api/setup', body);
      expect(res.statusCode).toBe(201);
      expect(res.json().employee).toMatchObject({
        email: 'setup-admin@example.com',
        roles: ['administrator'],
      });
      const cookie = res.cookies.find((c) => c.name === 'clt_session');
      expect(cookie?.httpOnly).toBe(true);
      // The response signs the new administrator in.
      const me = await clientFor(t.app, { cookie: cookieOf(res) }).get('/api/session');
      expect(me.statusCode).toBe(200);
      expect(me.json().employee.email).toBe('setup-admin@example.com');

      const again = await t.anonymous.post('/api/setup', { ...body, email: 'second-admin@example.com' });
      expect([409, 422]).toContain(again.statusCode);
      expect(await t.deps.database.db.selectFrom('employees').select('email').execute()).toEqual([
        { email: 'setup-admin@example.com' },
      ]);
      const audit = await t.deps.database.db
        .selectFrom('audit_log')
        .select(['action', 'actor_label'])
        .where('action', '=', 'employee.created')
        .execute();
      expect(audit).toContainEqual({ action: 'employee.created', actor_label: 'setup link' });
    });

    it('does not create an administrator when employees exist', async () => {
      const messages: string[] = [];
      await ensureFirstAdministrator(
        t.deps.database.db,
        {
          scopeId: t.deps.scopeId,
          adminEmail: 'late@example.com',
          adminPassword: 'late-password-1',
          publicUrl: 'x',
        },
        (m) => messages.push(m),
      );
      expect(messages).toEqual([]);
      const late = await t.deps.database.db
        .selectFrom('employees')
        .select('id')
        .where('email', '=', 'late@example.com')
        .execute();
      expect(late).toEqual([]);
    });

    it('refuses setup once employees exist, even with a fresh setup token', async () => {
      const { token } = await issueToken(t.deps.database.db, 'employee-setup', null, 3600_000);
      const res = await t.anonymous.post('/api/setup', {
        token,
        email: 'x@example.com',
        password: 'long-enough-password',
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('conflict');
    });
  });

  describe('sessions', () => {
    it('signs an employee in with a HttpOnly, SameSite=Lax session cookie', async () => {
      const e = await newEmployee(['companyView']);
      const res = await signIn(e.email);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        employee: { id: e.id, email: e.email, name: null, roles: ['companyView'] },
        permissions: ['accounts.read', 'contacts.read', 'customerGroups.read', 'emails.read', 'roles.read'],
      });
      const setCookie = String(res.headers['set-cookie']);
      expect(setCookie).toMatch(/^clt_session=/);
      expect(setCookie).toMatch(/HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Lax/i);
      expect(setCookie).toMatch(/Path=\//);
      // PUBLIC_URL is http:// in tests, so the cookie cannot be Secure.
      expect(setCookie).not.toMatch(/Secure/i);
      const stored = await t.deps.database.db
        .selectFrom('employees')
        .select('last_sign_in_at')
        .where('id', '=', e.id)
        .executeTakeFirstOrThrow();
      expect(stored.last_sign_in_at).not.toBeNull();
    });

    it('signs in whatever the case of the email', async () => {
      const e = await newEmployee(['companyView']);
      const res = await signIn(e.email.toUpperCase());
      expect(res.statusCode).toBe(200);
    });

    it('answers an unknown email and a wrong password with the same 401', async () => {
      const e = await newEmployee(['companyView']);
      const wrong = await signIn(e.email, 'not-the-password');
      const unknown = await signIn(uniqueEmail('nobody'), PASSWORD);
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(wrong.json()).toEqual(unknown.json());
      expect(wrong.json().error.code).toBe('unauthenticated');
      expect(wrong.headers['set-cookie']).toBeUndefined();
    });

    it('refuses a disabled employee with the same 401', async () => {
      const e = await newEmployee(['companyView']);
      await t.deps.database.db
        .updateTable('employees')
        .set({ status: 'disabled' })
        .where('id', '=', e.id)
        .execute();
      const res = await signIn(e.email);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.message).toBe('The email or password is incorrect');
    });

    it('refuses an employee created without a password', async () => {
      const email = uniqueEmail('nopassword');
      await createEmployee(t.deps.database.db, t.system, { email, roles: ['companyView'] });
      const res = await signIn(email, '');
      expect(res.statusCode).toBe(401);
    });

    it('tells who is signed in, and nobody after signing out', async () => {
      const e = await newEmployee(['auditView']);
      const res = await signIn(e.email);
      const client = clientFor(t.app, { cookie: cookieOf(res) });
      const me = await client.get('/api/session');
      expect(me.statusCode).toBe(200);
      expect(me.json().employee.id).toBe(e.id);

      const out = await client.delete('/api/session');
      expect(out.statusCode).toBe(204);
      expect(String(out.headers['set-cookie'])).toMatch(/clt_session=;/);
      const after = await client.get('/api/session');
      expect(after.statusCode).toBe(401);
      expect(after.json().error.code).toBe('unauthenticated');
      const sessions = await t.deps.database.db
        .selectFrom('sessions')
        .select('token_hash')
        .where('subject_id', '=', e.id)
        .execute();
      expect(sessions).toEqual([]);
    });

    it('renews a session used in the second half of its life, up to 30 days after the sign-in', async () => {
      const e = await newEmployee(['auditView']);
      const res = await signIn(e.email);
      const client = clientFor(t.app, { cookie: cookieOf(res) });
      const { db } = t.deps.database;
      const session = () =>
        db
          .selectFrom('sessions')
          .select(['expires_at', 'created_at'])
          .where('subject_id', '=', e.id)
          .executeTakeFirstOrThrow();
      const hour = 3600_000;

      // Early in its life: used, not rewritten.
      const fresh = await client.get('/api/session');
      expect(fresh.statusCode).toBe(200);
      expect(fresh.headers['set-cookie']).toBeUndefined();

      // An hour left of twelve: a whole lifetime again, and a cookie that says so.
      await db
        .updateTable('sessions')
        .set({ expires_at: new Date(Date.now() + hour) })
        .where('subject_id', '=', e.id)
        .execute();
      const renewed = await client.get('/api/session');
      expect(renewed.statusCode).toBe(200);
      expect(String(renewed.headers['set-cookie'])).toMatch(/^clt_session=.+Expires=.+HttpOnly/i);
      // Written off the request's path, by the usage writer's next flush.
      expect((await session()).expires_at.getTime()).toBeLessThan(Date.now() + hour);
      await t.deps.usage.flush();
      const after = (await session()).expires_at.getTime();
      expect(after).toBeGreaterThan(Date.now() + 11.9 * hour);
      expect(after).toBeLessThanOrEqual(Date.now() + 12 * hour);

      // Signed in 30 days ago: it runs out, however active.
      const ending = new Date(Date.now() + hour);
      await db
        .updateTable('sessions')
        .set({ expires_at: ending, created_at: new Date(Date.now() - 30 * 24 * hour) })
        .where('subject_id', '=', e.id)
        .execute();
      const old = await client.get('/api/session');
      expect(old.statusCode).toBe(200);
      expect(old.headers['set-cookie']).toBeUndefined();
      await t.deps.usage.flush();
      expect((await session()).expires_at.getTime()).toBe(ending.getTime());
    });

    it('renews a session about to end at once, and never brings back one signed out before the flush', async () => {
      const e = await newEmployee(['auditView']);
      const cookie = cookieOf(await signIn(e.email));
      const client = clientFor(t.app, { cookie });
      const { db } = t.deps.database;
      const expiry = async () =>
        (
          await db
            .selectFrom('sessions')
            .select('expires_at')
            .where('subject_id', '=', e.id)
            .executeTakeFirst()
        )?.expires_at.getTime();
      // A minute left: waiting for the flush could let it lapse, so the request writes it.
      await db
        .updateTable('sessions')
        .set({ expires_at: new Date(Date.now() + 60_000) })
        .where('subject_id', '=', e.id)
        .execute();
      expect((await client.get('/api/session')).headers['set-cookie']).toBeDefined();
      expect(await expiry()).toBeGreaterThan(Date.now() + 11 * 3600_000);

      // An hour left: renewed at the flush; signed out before it, the session stays gone.
      await db
        .updateTable('sessions')
        .set({ expires_at: new Date(Date.now() + 3600_000) })
        .where('subject_id', '=', e.id)
        .execute();
      expect((await client.get('/api/session')).headers['set-cookie']).toBeDefined();
      expect((await client.delete('/api/session')).statusCode).toBe(204);
      await t.deps.usage.flush();
      expect(await expiry()).toBeUndefined();
      expect((await client.get('/api/session')).statusCode).toBe(401);
    });

    it('answers 401 without a session, and with a made-up cookie', async () => {
      expect((await t.anonymous.get('/api/session')).statusCode).toBe(401);
      const forged = await clientFor(t.app, { cookie: 'clt_session=made-up' }).get('/api/accounts');
      expect(forged.statusCode).toBe(401);
      expect(forged.json().error.code).toBe('unauthenticated');
    });

    it('signing out without a session is harmless', async () => {
      const res = await t.anonymous.delete('/api/session');
      expect(res.statusCode).toBe(204);
    });

    it('refuses a sign-in body without a password as invalid input, not a server error', async () => {
      const res = await t.anonymous.post('/api/session', { email: 'x@example.com' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: 'password' }));
    });
  });

  describe('sign-in rate limit', () => {
    it('answers 429 rate_limited after 10 attempts for the same email, even with the right password', async () => {
      const e = await newEmployee(['companyView']);
      for (let i = 0; i < 10; i++) {
        const res = await signIn(e.email, `wrong-password-${i}`);
        expect(res.statusCode).toBe(401);
        // The identity's own lock (sign-in-guard.test.ts) is kept out of it: this is the per-client request limit.
        await t.deps.database.db.deleteFrom('sign_in_failures').execute();
      }
      const blocked = await signIn(e.email);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json().error.code).toBe('rate_limited');
      expect(blocked.json().error.message).toMatch(/Try again/);
      // The same email in another case counts as the same email.
      expect((await signIn(e.email.toUpperCase())).statusCode).toBe(429);
    });

    it('counts attempts per email, so others from the same address can still sign in', async () => {
      // More than ten different employees from one IP address each sign in.
      const office = await Promise.all(
        Array.from({ length: 12 }, () => newEmployee(['companyView'], 'office')),
      );
      const results = await Promise.all(office.map((e) => signIn(e.email)));
      expect(results.map((r) => r.statusCode)).toEqual(Array(12).fill(200));
    });
  });

  describe('origin checks', () => {
    let cookie: string;
    beforeAll(async () => {
      const e = await newEmployee(['administrator']);
      cookie = cookieOf(await signIn(e.email));
    });
    const account = (origin?: string, extra: Record<string, string> = {}) =>
      t.app.inject({
        method: 'POST',
        url: '/api/accounts',
        headers: { cookie, ...(origin && { origin }), ...extra },
        payload: { kind: 'business', name: `Origin test ${++n}` },
      });

    it('refuses a cookie-authenticated write from another site', async () => {
      const res = await account(FOREIGN);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
      const stored = await t.deps.database.db
        .selectFrom('accounts')
        .select('id')
        .where('name', '=', `Origin test ${n}`)
        .execute();
      expect(stored).toEqual([]);
    });

    it('refuses a cookie-authenticated write the browser marks cross-site', async () => {
      const res = await account(undefined, { 'sec-fetch-site': 'cross-site' });
      expect(res.statusCode).toBe(403);
    });

    it('allows a cookie-authenticated write from its own origin or without an Origin', async () => {
      expect((await account('http://clientele.test')).statusCode).toBe(201);
      expect((await account()).statusCode).toBe(201);
      expect((await account(undefined, { 'sec-fetch-site': 'same-origin' })).statusCode).toBe(201);
    });

    it('allows a cookie-authenticated read from another site (reads change nothing)', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/accounts',
        headers: { cookie, origin: FOREIGN },
      });
      expect(res.statusCode).toBe(200);
    });

    it('allows an API-key-authenticated write whatever its Origin', async () => {
      const created = await clientFor(t.app, { cookie }).post('/api/api-keys', {
        name: 'origin',
        roles: ['companyEdit'],
      });
      expect(created.statusCode).toBe(201);
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/accounts',
        headers: { authorization: `Bearer ${created.json().key}`, origin: FOREIGN },
        payload: { kind: 'business', name: 'Made by a key' },
      });
      expect(res.statusCode).toBe(201);
    });
  });

  describe('API keys', () => {
    let admin: ReturnType<typeof clientFor>;
    let adminCookie: string;
    let adminId: string;
    beforeAll(async () => {
      const e = await newEmployee(['administrator']);
      adminId = e.id;
      adminCookie = cookieOf(await signIn(e.email));
      admin = clientFor(t.app, { cookie: adminCookie });
    });

    it('shows a new key once; the list shows its prefix but never the key', async () => {
      const res = await admin.post('/api/api-keys', { name: 'ERP', roles: ['companyView'] });
      expect(res.statusCode).toBe(201);
      const created = res.json();
      expect(created.key).toMatch(/^clt_/);
      expect(created.key.startsWith(created.prefix)).toBe(true);
      expect(created).toMatchObject({
        name: 'ERP',
        roles: ['companyView'],
        revokedAt: null,
        lastUsedAt: null,
      });

      const list = await admin.get('/api/api-keys');
      expect(list.statusCode).toBe(200);
      const listed = list.json().find((k: { id: string }) => k.id === created.id);
      expect(listed).toMatchObject({ name: 'ERP', prefix: created.prefix });
      expect(listed.key).toBeUndefined();
      expect(list.body).not.toContain(created.key);

      const row = await t.deps.database.db
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', created.id)
        .executeTakeFirstOrThrow();
      expect(row.key_hash).not.toContain(created.key);
      expect(row.created_by).toBe(adminId);
      const audit = await t.deps.database.db
        .selectFrom('audit_log')
        .select(['action', 'actor_id', 'source'])
        .where('entity_id', '=', created.id)
        .execute();
      expect(audit).toEqual([{ action: 'api_key.created', actor_id: adminId, source: 'portal' }]);
    });

    it('authenticates with Authorization: Bearer and acts with the key’s roles', async () => {
      const { key, id } = (
        await admin.post('/api/api-keys', { name: 'reader', roles: ['companyView'] })
      ).json();
      const api = clientFor(t.app, { authorization: `Bearer ${key}` });
      const list = await api.get('/api/accounts');
      expect(list.statusCode).toBe(200);
      const write = await api.post('/api/accounts', { kind: 'business', name: 'Not allowed' });
      expect(write.statusCode).toBe(403);
      expect(write.json().error.code).toBe('forbidden');
      const me = await api.get('/api/session');
      expect(me.statusCode).toBe(200);
      expect(me.json().employee.roles).toEqual(['companyView']);
      const lastUsed = async () =>
        (
          await t.deps.database.db
            .selectFrom('api_keys')
            .select('last_used_at')
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
        ).last_used_at;
      // Recorded in memory and written by the next flush, in one statement for every key used meanwhile.
      expect(await lastUsed()).toBeNull();
      await t.deps.usage.flush();
      expect(await lastUsed()).not.toBeNull();
    });

    it('answers 401 for an unknown key, even alongside a valid session cookie', async () => {
      const res = await clientFor(t.app, { authorization: 'Bearer clt_nope_nope' }).get('/api/accounts');
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthenticated');
      const mixed = await clientFor(t.app, {
        authorization: 'Bearer clt_nope_nope',
        cookie: adminCookie,
      }).get('/api/accounts');
      expect(mixed.statusCode).toBe(401);
    });

    it('refuses a revoked key with 401', async () => {
      const { key, id } = (
        await admin.post('/api/api-keys', { name: 'to revoke', roles: ['companyView'] })
      ).json();
      const api = clientFor(t.app, { authorization: `Bearer ${key}` });
      expect((await api.get('/api/accounts')).statusCode).toBe(200);
      const revoked = await admin.delete(`/api/api-keys/${id}`);
      expect(revoked.statusCode).toBe(204);
      const res = await api.get('/api/accounts');
      expect(res.statusCode).toBe(401);
      expect(res.json().error.message).toMatch(/revoked/);
      const listed = (await admin.get('/api/api-keys')).json().find((k: { id: string }) => k.id === id);
      expect(listed.revokedAt).not.toBeNull();
      // Revoking twice is harmless; an unknown key is 404.
      expect((await admin.delete(`/api/api-keys/${id}`)).statusCode).toBe(204);
      const unknown = await admin.delete('/api/api-keys/00000000-0000-4000-8000-000000000000');
      expect(unknown.statusCode).toBe(404);
      expect((await admin.delete('/api/api-keys/not-a-uuid')).statusCode).toBe(400);
    });

    it('refuses a key with more permissions than its creator has', async () => {
      const e = await newEmployee(['integrationsManage', 'companyView']);
      const creator = clientFor(t.app, { cookie: cookieOf(await signIn(e.email)) });
      const ok = await creator.post('/api/api-keys', { name: 'fine', roles: ['companyView'] });
      expect(ok.statusCode).toBe(201);
      const before = await t.deps.database.db.selectFrom('api_keys').select('id').execute();
      const res = await creator.post('/api/api-keys', { name: 'too much', roles: ['companyEdit'] });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
      expect(res.json().error.details).toEqual([
        { path: 'roles', message: expect.stringContaining('accounts.write') },
      ]);
      expect(await t.deps.database.db.selectFrom('api_keys').select('id').execute()).toHaveLength(
        before.length,
      );
    });

    it('refuses a key that reaches accounts its creator is not assigned', async () => {
      const e = await newEmployee(['integrationsManage', 'crmCompanyEdit']);
      const creator = clientFor(t.app, { cookie: cookieOf(await signIn(e.email)) });
      // importRun needs only permissions the creator has, but reaches every account.
      const res = await creator.post('/api/api-keys', { name: 'wider', roles: ['importRun'] });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.details).toEqual([{ path: 'roles', message: expect.any(String) }]);
      const limited = await creator.post('/api/api-keys', { name: 'limited', roles: ['crmCompanyView'] });
      expect(limited.statusCode).toBe(201);
    });

    it('refuses an unknown role or an empty role list as invalid input', async () => {
      const bad = await admin.post('/api/api-keys', { name: 'bad', roles: ['god'] });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details).toContainEqual(expect.objectContaining({ path: 'roles.0' }));
      const empty = await admin.post('/api/api-keys', { name: 'empty', roles: [] });
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error.details).toContainEqual(expect.objectContaining({ path: 'roles' }));
    });

    it('records the source of a change made with a key as api', async () => {
      const { key, id } = (
        await admin.post('/api/api-keys', { name: 'writer', roles: ['companyEdit'] })
      ).json();
      const res = await clientFor(t.app, { authorization: `Bearer ${key}` }).post('/api/accounts', {
        kind: 'personal',
        name: 'Keyed Person',
      });
      expect(res.statusCode).toBe(201);
      const audit = await t.deps.database.db
        .selectFrom('audit_log')
        .select(['actor_type', 'actor_id', 'source'])
        .where('entity_id', '=', res.json().id)
        .executeTakeFirstOrThrow();
      expect(audit).toEqual({ actor_type: 'api-key', actor_id: id, source: 'api' });
    });
  });
});
