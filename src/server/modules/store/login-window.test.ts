import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addContactWithWelcome,
  createTestApp,
  type Client,
  type TestApp,
} from '../../../../test/helpers/app.ts';

const PASSWORD = 'a-store-password-2026';
const HOUR = 3600_000;

describe('storefront sign-in within the login validity window', () => {
  let t: TestApp;
  let admin: Client;
  let accountId: string;
  let n = 0;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    accountId = (await admin.post('/api/accounts', { kind: 'business', name: 'Window Co' })).json().id;
  });
  afterAll(() => t.close());

  /** An activated contact whose login is valid from/until the given offsets from now (null: open). */
  const contactWithWindow = async (fromMs: number | null, untilMs: number | null) => {
    const c = await addContactWithWelcome(t, admin, accountId, `window${++n}@example.com`);
    const activated = await t.anonymous.post('/api/store/activate', { token: c.token, password: PASSWORD });
    expect(activated.statusCode).toBe(200);
    await t.deps.database.db
      .updateTable('contacts')
      .set({
        login_valid_from: fromMs === null ? null : new Date(Date.now() + fromMs),
        login_valid_until: untilMs === null ? null : new Date(Date.now() + untilMs),
      })
      .where('id', '=', c.id)
      .execute();
    return c;
  };
  const signIn = (email: string, password = PASSWORD) =>
    t.anonymous.post('/api/store/session', { email, password });

  it('signs a contact in inside the window', async () => {
    const c = await contactWithWindow(-HOUR, HOUR);
    expect((await signIn(c.email)).statusCode).toBe(200);
    const open = await contactWithWindow(null, null);
    expect((await signIn(open.email)).statusCode).toBe(200);
  });

  it('tells a contact with the right password that the login is not valid yet', async () => {
    const c = await contactWithWindow(HOUR, 2 * HOUR);
    const res = await signIn(c.email);
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toEqual({ code: 'unauthenticated', message: 'Your login is not valid yet' });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('tells a contact with the right password that the login has expired', async () => {
    const c = await contactWithWindow(-2 * HOUR, -HOUR);
    const res = await signIn(c.email);
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toEqual({ code: 'unauthenticated', message: 'Your login has expired' });
  });

  it('reveals nothing about the window to someone without the password', async () => {
    const early = await contactWithWindow(HOUR, null);
    const late = await contactWithWindow(null, -HOUR);
    const generic = { code: 'unauthenticated', message: 'The email or password is incorrect' };
    for (const c of [early, late]) {
      const res = await signIn(c.email, 'not-the-password-at-all');
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toEqual(generic);
    }
    // A disabled contact hears the generic answer too, even with the right password.
    expect((await admin.patch(`/api/contacts/${late.id}`, { status: 'disabled' })).statusCode).toBe(200);
    expect((await signIn(late.email)).json().error).toEqual(generic);
  });
});
