import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientFor,
  cookieOf,
  createTestApp,
  type Client,
  type TestApp,
  addContactWithWelcome,
} from '../../../../test/helpers/app.ts';
import { issueToken } from '../../lib/one-time-tokens.ts';
import { sha256 } from '../../lib/secrets.ts';

const NEW_PASSWORD = 'my-new-store-password';

describe('storefront activation and sign-in', () => {
  let t: TestApp;
  let admin: Client;
  let account: { id: string; name: string; number: string };
  let n = 0;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    account = (await admin.post('/api/accounts', { kind: 'business', name: 'Store Buyer Co' })).json();
  });
  afterAll(() => t.close());

  /** Adds a contact with the welcome email and returns it with a working activation token. */
  const welcomed = (label = 'shopper') =>
    addContactWithWelcome(t, admin, account.id, `${label}${++n}@example.com`, {
      firstName: 'Sho',
      lastName: 'Pper',
    });

  const activate = (token: string, password = NEW_PASSWORD) =>
    t.anonymous.post('/api/store/activate', { token, password });
  const signIn = (email: string, password = NEW_PASSWORD) =>
    t.anonymous.post('/api/store/session', { email, password });

  it('activates a contact with the link of the welcome email, then signs them in', async () => {
    const c = await welcomed();
    const res = await activate(c.token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });

    const row = await t.deps.database.db
      .selectFrom('contacts')
      .select(['password_hash', 'activated_at'])
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).not.toBeNull();
    expect(row.password_hash).not.toContain(NEW_PASSWORD);
    expect(row.activated_at).not.toBeNull();
    expect((await admin.get(`/api/contacts/${c.id}`)).json().hasLogin).toBe(true);

    const audit = await t.deps.database.db
      .selectFrom('audit_log')
      .select(['actor_type', 'actor_id', 'source'])
      .where('entity_id', '=', c.id)
      .where('action', '=', 'contact.activated')
      .execute();
    expect(audit).toEqual([{ actor_type: 'contact', actor_id: c.id, source: 'self-registration' }]);

    const session = await signIn(c.email.toUpperCase());
    expect(session.statusCode).toBe(200);
    expect(session.json()).toEqual({
      contact: { id: c.id, email: c.email, firstName: 'Sho', lastName: 'Pper' },
      account: { id: account.id, name: 'Store Buyer Co', number: account.number },
      accounts: [{ id: account.id, name: 'Store Buyer Co', number: account.number, primary: true }],
    });
    const setCookie = String(session.headers['set-cookie']);
    expect(setCookie).toMatch(/^clt_store=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const c = await welcomed();
    expect((await activate(c.token)).statusCode).toBe(200);
    const wrong = await signIn(c.email, 'not-my-password');
    const unknown = await signIn(`nobody${++n}@example.com`);
    const neverActivated = await signIn((await welcomed()).email, '');
    for (const res of [wrong, unknown, neverActivated]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual(wrong.json());
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(wrong.json().error.code).toBe('unauthenticated');
  });

  it('refuses a link used twice with 422 saying it was used', async () => {
    const c = await welcomed();
    expect((await activate(c.token)).statusCode).toBe(200);
    const again = await activate(c.token, 'another-password-here');
    expect(again.statusCode).toBe(422);
    expect(again.json().error.code).toBe('unprocessable');
    expect(again.json().error.message).toMatch(/already used/i);
    expect(again.json().error.details).toEqual([{ path: 'token', message: 'used' }]);
    // The first password still works; the second was not set.
    expect((await signIn(c.email)).statusCode).toBe(200);
    expect((await signIn(c.email, 'another-password-here')).statusCode).toBe(401);
  });

  it('uses a link once even when two requests race with it', async () => {
    const c = await welcomed();
    const results = await Promise.all([
      activate(c.token, 'first-racer-password'),
      activate(c.token, 'second-racer-password'),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 422]);
    const winner = results[0].statusCode === 200 ? 'first-racer-password' : 'second-racer-password';
    expect((await signIn(c.email, winner)).statusCode).toBe(200);
  });

  it('refuses an unknown link with 422 saying it is not valid', async () => {
    const res = await activate('this-token-was-never-issued-by-us');
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toMatch(/not valid/i);
    expect(res.json().error.details).toEqual([{ path: 'token', message: 'invalid' }]);
  });

  it('refuses an expired link with 422 saying it expired', async () => {
    const c = await welcomed();
    await t.deps.database.db
      .updateTable('one_time_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('token_hash', '=', sha256(c.token))
      .execute();
    const res = await activate(c.token);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toMatch(/expired/i);
    expect(res.json().error.details).toEqual([{ path: 'token', message: 'expired' }]);
    const row = await t.deps.database.db
      .selectFrom('contacts')
      .select('password_hash')
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toBeNull();
  });

  it('refuses a token issued for another purpose', async () => {
    const c = await welcomed();
    const { token } = await issueToken(t.deps.database.db, 'password-reset', c.id, 3600_000);
    const res = await activate(token);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details).toEqual([{ path: 'token', message: 'invalid' }]);
  });

  it('refuses a password shorter than 10 characters with 400 on password, leaving the link usable', async () => {
    const c = await welcomed();
    const res = await activate(c.token, 'short');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_input');
    expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: 'password' }));
    expect((await activate(c.token)).statusCode).toBe(200);
  });

  it('refuses a missing or malformed token with 400', async () => {
    const res = await t.anonymous.post('/api/store/activate', { password: NEW_PASSWORD });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: 'token' }));
    const short = await activate('abc');
    expect(short.statusCode).toBe(400);
  });

  it('tells who is signed in, and nobody after signing out', async () => {
    const c = await welcomed();
    await activate(c.token);
    const session = await signIn(c.email);
    const shopper = clientFor(t.app, { cookie: cookieOf(session) });
    const me = await shopper.get('/api/store/session');
    expect(me.statusCode).toBe(200);
    expect(me.json().contact.id).toBe(c.id);

    const out = await shopper.delete('/api/store/session');
    expect(out.statusCode).toBe(204);
    const after = await shopper.get('/api/store/session');
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('unauthenticated');
    expect((await t.anonymous.get('/api/store/session')).statusCode).toBe(401);
  });

  it('does not let a contact session reach the employee API', async () => {
    const c = await welcomed();
    await activate(c.token);
    const session = await signIn(c.email);
    const shopper = clientFor(t.app, { cookie: cookieOf(session) });
    expect((await shopper.get('/api/accounts')).statusCode).toBe(401);
    expect((await shopper.get('/api/session')).statusCode).toBe(401);
    // Nor an employee session the storefront.
    expect((await admin.get('/api/store/session')).statusCode).toBe(401);
  });

  it('ends the contact’s sessions when they activate again with a new link', async () => {
    const c = await welcomed();
    await activate(c.token);
    const shopper = clientFor(t.app, { cookie: cookieOf(await signIn(c.email)) });
    expect((await shopper.get('/api/store/session')).statusCode).toBe(200);
    const { token } = await issueToken(t.deps.database.db, 'activation', c.id, 3600_000);
    expect((await activate(token, 'a-brand-new-password')).statusCode).toBe(200);
    expect((await shopper.get('/api/store/session')).statusCode).toBe(401);
  });

  it('refuses a disabled contact and one outside its login validity window', async () => {
    const disabled = await welcomed();
    await activate(disabled.token);
    const shopper = clientFor(t.app, { cookie: cookieOf(await signIn(disabled.email)) });
    expect((await admin.patch(`/api/contacts/${disabled.id}`, { status: 'disabled' })).statusCode).toBe(200);
    expect((await signIn(disabled.email)).statusCode).toBe(401);
    // Disabling ends the sessions the contact had.
    expect((await shopper.get('/api/store/session')).statusCode).toBe(401);

    const expired = await welcomed();
    await activate(expired.token);
    await t.deps.database.db
      .updateTable('contacts')
      .set({ login_valid_until: new Date(Date.now() - 1000) })
      .where('id', '=', expired.id)
      .execute();
    expect((await signIn(expired.email)).statusCode).toBe(401);

    const early = await welcomed();
    await activate(early.token);
    await t.deps.database.db
      .updateTable('contacts')
      .set({ login_valid_from: new Date(Date.now() + 3600_000) })
      .where('id', '=', early.id)
      .execute();
    expect((await signIn(early.email)).statusCode).toBe(401);
  });
});
