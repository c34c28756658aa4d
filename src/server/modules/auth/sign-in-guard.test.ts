import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addContactWithWelcome,
  createTestApp,
  PASSWORD,
  type Client,
  type TestApp,
} from '../../../../test/helpers/app.ts';
import { loadConfig } from '../../config.ts';
import { issueToken } from '../../lib/one-time-tokens.ts';
import { createEmployee } from '../employees/employees.service.ts';

const STORE_PASSWORD = 'a-store-password-2026';
const LOCKED_15 = 'Too many failed sign-ins for this email. Try again in 15 minutes, or reset your password.';

describe('sign-in slows, then locks, per stored identity', () => {
  let t: TestApp;
  let admin: Client;
  let accountId: string;
  let n = 0;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    accountId = (await admin.post('/api/accounts', { kind: 'business', name: 'Guard Co' })).json().id;
  });
  afterAll(() => t.close());

  // Each attempt from its own address, so the per-client request limit never answers instead of the lock.
  const attempt = (url: string, email: string, password: string) =>
    t.app.inject({
      method: 'POST',
      url,
      payload: { email, password },
      remoteAddress: `198.51.100.${(++n % 250) + 1}`,
    });
  const employeeSignIn = (email: string, password = PASSWORD) => attempt('/api/session', email, password);
  const contactSignIn = (email: string, password = STORE_PASSWORD) =>
    attempt('/api/store/session', email, password);

  const failuresOf = (key: string) =>
    t.deps.database.db
      .selectFrom('sign_in_failures')
      .select([
        'failures',
        sql<number>`extract(epoch FROM locked_until - last_failure_at)::int`.as('closed_seconds'),
      ])
      .where('key', '=', key)
      .executeTakeFirst();

  async function newEmployee(label: string) {
    const email = `${label}-${++n}@staff.test`;
    const e = await createEmployee(t.deps.database.db, t.system, {
      email,
      password: PASSWORD,
      roles: ['companyView'],
    });
    return { id: e.id, email };
  }

  it('counts every spelling of an email the database matches as the one employee', async () => {
    const e = await newEmployee('spelling');
    const [local, domain] = e.email.split('@') as [string, string];
    const spellings = [e.email, e.email.toUpperCase(), ` ${local.toUpperCase()}@${domain} `.trim()];
    // Where the database lowers a dotted capital I to i (PostgreSQL with an ICU/libc UTF-8 locale), that too.
    const { rows } = await sql<{ same: boolean }>`SELECT lower('İ') = 'i' AS same`.execute(
      t.deps.database.db,
    );
    if (rows[0]!.same) spellings.push(e.email.replace('i', 'İ'));
    for (const spelling of spellings)
      expect((await employeeSignIn(spelling, 'wrong-password')).statusCode).toBe(401);
    expect(await failuresOf(`employee:${e.id}`)).toMatchObject({ failures: spellings.length });
    const strays = await t.deps.database.db
      .selectFrom('sign_in_failures')
      .select('key')
      .where('key', 'like', 'employee-email:%spelling%')
      .execute();
    expect(strays).toEqual([]);
  });

  it('lets the first four failures cost nothing and a correct password clear them', async () => {
    const e = await newEmployee('four');
    for (let i = 0; i < 4; i++)
      expect((await employeeSignIn(e.email, 'wrong-password')).statusCode).toBe(401);
    expect(await failuresOf(`employee:${e.id}`)).toEqual({ failures: 4, closed_seconds: 0 });
    expect((await employeeSignIn(e.email)).statusCode).toBe(200);
    expect(await failuresOf(`employee:${e.id}`)).toBeUndefined();
  });

  it('closes the identity for 1, 2, 4 … seconds from the 5th failure, up to a minute, and 15 minutes from the 30th', async () => {
    const e = await newEmployee('slow');
    const key = `employee:${e.id}`;
    const db = t.deps.database.db;
    const expected: [number, number][] = [
      [5, 1],
      [6, 2],
      [7, 4],
      [11, 60],
      [29, 60],
      [30, 900],
      [31, 900],
    ];
    for (const [failures, seconds] of expected) {
      // One failure before the n-th, counted as recent, then the n-th through the API (its lock must be open).
      await db
        .insertInto('sign_in_failures')
        .values({ key, failures: failures - 1, last_failure_at: new Date(), locked_until: null })
        .onConflict((oc) => oc.column('key').doUpdateSet({ failures: failures - 1, locked_until: null }))
        .execute();
      expect((await employeeSignIn(e.email, 'wrong-password')).statusCode).toBe(401);
      expect(await failuresOf(key)).toEqual({ failures, closed_seconds: seconds });
    }
  });

  it('refuses even the right password while closed, with 429 and Retry-After, the same for an unknown email', async () => {
    const e = await newEmployee('locked');
    const unknown = `nobody-${++n}@staff.test`;
    const db = t.deps.database.db;
    for (const key of [`employee:${e.id}`, `employee-email:${unknown}`])
      await db
        .insertInto('sign_in_failures')
        .values({ key, failures: 29, last_failure_at: new Date(), locked_until: null })
        .execute();
    expect((await employeeSignIn(e.email, 'wrong-password')).statusCode).toBe(401);
    expect((await employeeSignIn(unknown.toUpperCase(), 'wrong-password')).statusCode).toBe(401);

    const known = await employeeSignIn(e.email);
    const other = await employeeSignIn(unknown, PASSWORD);
    for (const res of [known, other]) {
      expect(res.statusCode).toBe(429);
      expect(res.json()).toEqual({ error: { code: 'rate_limited', message: LOCKED_15 } });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(850);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(900);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(Object.keys(known.headers).sort()).toEqual(Object.keys(other.headers).sort());
    // Refused attempts do not add to the count.
    expect(await failuresOf(`employee:${e.id}`)).toMatchObject({ failures: 30 });
  });

  it('opens a locked employee with a password reset, and with a password an administrator sets', async () => {
    const e = await newEmployee('reset');
    const db = t.deps.database.db;
    const lock = () =>
      db
        .insertInto('sign_in_failures')
        .values({
          key: `employee:${e.id}`,
          failures: 30,
          last_failure_at: new Date(),
          locked_until: new Date(Date.now() + 900_000),
        })
        .execute();
    await lock();
    expect((await employeeSignIn(e.email)).statusCode).toBe(429);
    // The owner can still ask for the link.
    const ask = await t.anonymous.post('/api/session/password-reset', { email: e.email });
    expect(ask.statusCode).toBe(202);
    const { token } = await issueToken(db, 'employee-reset', e.id, 3600_000);
    const confirm = await t.anonymous.post('/api/session/password-reset/confirm', {
      token,
      password: 'a-brand-new-password',
    });
    expect(confirm.statusCode).toBe(200);
    expect((await employeeSignIn(e.email, 'a-brand-new-password')).statusCode).toBe(200);

    await lock();
    expect((await admin.patch(`/api/employees/${e.id}`, { password: 'set-by-the-admin-1' })).statusCode).toBe(
      200,
    );
    expect((await employeeSignIn(e.email, 'set-by-the-admin-1')).statusCode).toBe(200);
  });

  it('locks a storefront contact the same way, known or unknown, and a reset link opens it', async () => {
    const c = await addContactWithWelcome(t, admin, accountId, `guarded${++n}@example.com`);
    expect(
      (await t.anonymous.post('/api/store/activate', { token: c.token, password: STORE_PASSWORD }))
        .statusCode,
    ).toBe(200);
    const unknown = `stranger${++n}@example.com`;
    for (let i = 0; i < 30; i++) {
      expect((await contactSignIn(c.email, 'wrong-password')).statusCode).toBe(401);
      await t.deps.database.db.updateTable('sign_in_failures').set({ locked_until: null }).execute();
      expect((await contactSignIn(unknown, 'wrong-password')).statusCode).toBe(401);
      await t.deps.database.db.updateTable('sign_in_failures').set({ locked_until: null }).execute();
    }
    await contactSignIn(c.email.toUpperCase(), 'wrong-password');
    await contactSignIn(unknown.toUpperCase(), 'wrong-password');
    expect(await failuresOf(`contact:${c.id}`)).toEqual({ failures: 31, closed_seconds: 900 });
    expect(await failuresOf(`contact-email:${t.deps.scopeId}:${unknown}`)).toEqual({
      failures: 31,
      closed_seconds: 900,
    });
    const known = await contactSignIn(c.email);
    const other = await contactSignIn(unknown);
    for (const res of [known, other]) {
      expect(res.statusCode).toBe(429);
      expect(res.json()).toEqual({ error: { code: 'rate_limited', message: LOCKED_15 } });
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
    }

    const { token } = await issueToken(t.deps.database.db, 'password-reset', c.id, 3600_000);
    const reset = await t.anonymous.post('/api/store/password-reset/confirm', {
      token,
      password: 'a-new-store-password',
    });
    expect(reset.statusCode).toBe(200);
    expect((await contactSignIn(c.email, 'a-new-store-password')).statusCode).toBe(200);
    expect((await contactSignIn(unknown)).statusCode).toBe(429);
  });
});

describe('TRUST_PROXY', () => {
  it('reads false, a number of hops (true is one), or proxy addresses, and names the variable when wrong', () => {
    const trust = (v: string) => loadConfig({ TRUST_PROXY: v }).trustProxy;
    expect(trust('false')).toBe(false);
    expect(loadConfig({}).trustProxy).toBe(false);
    const one = trust('true') as (a: string, hop: number) => boolean;
    expect([one('10.0.0.1', 0), one('203.0.113.7', 1)]).toEqual([true, false]);
    const two = trust('2') as (a: string, hop: number) => boolean;
    expect([two('x', 0), two('x', 1), two('x', 2)]).toEqual([true, true, false]);
    expect(trust('10.0.0.1, 172.16.0.0/12,::1')).toEqual(['10.0.0.1', '172.16.0.0/12', '::1']);
    expect(() => trust('yes')).toThrow(/TRUST_PROXY: .*not an address: yes/);
    expect(() => trust('10.0.0.0/40')).toThrow(/TRUST_PROXY/);
  });

  describe('behind one proxy', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ TRUST_PROXY: '1' });
      await createEmployee(t.deps.database.db, t.system, {
        email: 'proxied@staff.test',
        password: PASSWORD,
        roles: ['companyView'],
      });
    });
    afterAll(() => t.close());

    const viaProxy = (forwardedFor: string, password = PASSWORD) =>
      t.app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { email: 'proxied@staff.test', password },
        remoteAddress: '10.0.0.2',
        headers: { 'x-forwarded-for': forwardedFor },
      });

    it('takes the address our proxy added (the right-most), not one the client wrote', async () => {
      const res = await viaProxy('1.2.3.4, 203.0.113.7');
      expect(res.statusCode).toBe(200);
      const session = await t.deps.database.db
        .selectFrom('sessions')
        .select('ip')
        .orderBy('created_at', 'desc')
        .executeTakeFirstOrThrow();
      expect(session.ip).toBe('203.0.113.7');
    });

    it('counts the request limit per real client, however the client varies its own header', async () => {
      const answers: number[] = [];
      for (let i = 0; i < 12; i++) {
        answers.push((await viaProxy(`9.9.9.${i}, 203.0.113.8`, 'wrong')).statusCode);
        // Keep the identity's own lock out of it: this is about the per-client request limit.
        await t.deps.database.db.deleteFrom('sign_in_failures').execute();
      }
      expect(answers.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(answers.slice(10)).toEqual([429, 429]);
      // Another real client is not limited.
      expect((await viaProxy('203.0.113.9')).statusCode).toBe(200);
    });
  });
});
