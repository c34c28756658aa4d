import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REGISTRATION, type RegistrationSettings } from '../../../contracts/registration.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { sha256 } from '../../lib/secrets.ts';
import { writeSetting } from '../settings/settings.repository.ts';
import { NO_MATCH_MESSAGE, normalizePostalCode } from './join.service.ts';
import { CHECK_EMAIL_MESSAGE } from './registration.service.ts';

describe('joining an existing account (POST /api/store/join/verify, /api/store/join)', () => {
  let t: TestApp;
  let admin: Client;
  let n = 0;
  let ipCount = 0;
  const nextIp = () => `10.2.${Math.floor(++ipCount / 250)}.${(ipCount % 250) + 1}`;
  let account: { id: string; name: string; number: string };

  const db = () => t.deps.database.db;

  async function setNewContact(enabled: boolean) {
    const value: RegistrationSettings = {
      ...DEFAULT_REGISTRATION,
      newContact: { enabled, linkText: 'Join your company' },
    };
    await writeSetting(db(), t.deps.scopeId, 'registration', value);
  }

  /** An account with a default billing address and invoices dated `daysAgo` days ago. */
  async function accountWith(
    number: string,
    postalCode: string,
    invoices: { number: string; daysAgo: number }[],
    status: 'active' | 'pending' = 'active',
  ) {
    const res = await admin.post('/api/accounts', {
      kind: 'business',
      name: `Company ${number}`,
      number,
      status,
    });
    expect(res.statusCode).toBe(201);
    const created = res.json<{ id: string; name: string; number: string }>();
    await db()
      .insertInto('addresses')
      .values({
        account_id: created.id,
        contact_id: null,
        type: 'billing',
        is_default: true,
        name: null,
        line1: '10 Downing Street',
        line2: null,
        city: 'London',
        postal_code: postalCode,
        region: null,
        country: 'GB',
      })
      .execute();
    for (const invoice of invoices)
      await db()
        .insertInto('invoices')
        .values({
          scope_id: t.deps.scopeId,
          account_id: created.id,
          number: invoice.number,
          date: sql<string>`current_date - ${invoice.daysAgo}::int`,
          amount: 125.5,
          currency: 'GBP',
        })
        .execute();
    return created;
  }

  const post = (url: string, body: unknown, ip = nextIp()) =>
    t.app.inject({ method: 'POST', url, payload: body as object, remoteAddress: ip });
  const verify = (body: Record<string, string>, ip?: string) => post('/api/store/join/verify', body, ip);
  const join = (body: Record<string, unknown>, ip?: string) => post('/api/store/join', body, ip);
  const right = () => ({ accountNumber: 'ac-1001', postalCode: 'sw1a-1aa', invoiceNumber: 'inv-5001' });
  const person = (overrides: Record<string, unknown> = {}) => ({
    firstName: 'Priya',
    lastName: 'Shah',
    email: `priya${++n}@example.com`,
    password: 'a long joining password',
    ...overrides,
  });
  const cookieOf = (res: LightMyRequestResponse) => res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const tokenOf = async () => {
    const res = await verify(right());
    expect(res.statusCode).toBe(200);
    return res.json<{ token: string }>().token;
  };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    account = await accountWith('AC-1001', 'SW1A 1AA', [
      { number: 'INV-5001', daysAgo: 30 },
      { number: 'INV-OLD', daysAgo: 400 },
    ]);
    await accountWith('AC-2002', 'EC1A 1BB', [{ number: 'INV-OTHER', daysAgo: 10 }]);
    await accountWith('AC-3003', 'SW1A 1AA', [{ number: 'INV-PENDING', daysAgo: 10 }], 'pending');
    await setNewContact(true);
  });
  afterAll(() => t.close());

  it('refuses both steps while the feature is switched off', async () => {
    await setNewContact(false);
    const v = await verify(right());
    expect(v.statusCode).toBe(403);
    expect(v.json().error.message).toBe('Creating a login for an existing account is not available');
    expect((await join({ token: 'x'.repeat(43), ...person() })).statusCode).toBe(403);
    await setNewContact(true);
  });

  it('answers the right details, in any case and spacing, with a token and the account to confirm', async () => {
    const res = await verify(right());
    expect(res.statusCode).toBe(200);
    const body = res.json<{ token: string; expiresAt: string; account: unknown }>();
    expect(body.account).toEqual({
      name: account.name,
      number: 'AC-1001',
      billingAddress: {
        line1: '10 Downing Street',
        line2: null,
        city: 'London',
        postalCode: 'SW1A 1AA',
        region: null,
        country: 'GB',
      },
    });
    const minutes = (Date.parse(body.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(29);
    expect(minutes).toBeLessThanOrEqual(30);
    const stored = await db()
      .selectFrom('one_time_tokens')
      .select(['purpose', 'subject_id'])
      .where('token_hash', '=', sha256(body.token))
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ purpose: 'join', subject_id: account.id });
  });

  it('answers every wrong combination with the same 422', async () => {
    const wrong = [
      { ...right(), postalCode: 'SW1A 1AB' },
      { ...right(), invoiceNumber: 'INV-9999' },
      { ...right(), invoiceNumber: 'INV-OLD' },
      { ...right(), invoiceNumber: 'INV-OTHER' },
      { ...right(), accountNumber: 'NO-SUCH' },
      { accountNumber: 'AC-3003', postalCode: 'SW1A 1AA', invoiceNumber: 'INV-PENDING' },
    ];
    const answers = await Promise.all(wrong.map((body) => verify(body)));
    for (const res of answers) {
      expect(res.statusCode).toBe(422);
      expect(res.body).toBe(answers[0]!.body);
    }
    expect(answers[0]!.json()).toEqual({ error: { code: 'unprocessable', message: NO_MATCH_MESSAGE } });
  });

  it('creates the contact on the account with the token and signs them in', async () => {
    const token = await tokenOf();
    const who = person();
    const res = await join({ token, ...who }, '203.0.113.44');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ outcome: 'active', message: expect.any(String) });

    const session = await t.app.inject({
      method: 'GET',
      url: '/api/store/session',
      headers: { cookie: cookieOf(res) },
    });
    expect(session.statusCode).toBe(200);
    const contact = await db()
      .selectFrom('contacts')
      .selectAll()
      .where('email', '=', who.email)
      .executeTakeFirstOrThrow();
    expect(session.json()).toEqual({
      contact: { id: contact.id, email: who.email, firstName: 'Priya', lastName: 'Shah' },
      account: { id: account.id, name: account.name, number: 'AC-1001' },
      accounts: [{ id: account.id, name: account.name, number: 'AC-1001', primary: true }],
    });
    expect(contact.status).toBe('active');
    expect(contact.password_hash).toMatch(/^\$argon2id\$/);
    expect(contact.activated_at).not.toBeNull();
    const links = await db()
      .selectFrom('contact_accounts')
      .select(['account_id', 'is_primary'])
      .where('contact_id', '=', contact.id)
      .execute();
    expect(links).toEqual([{ account_id: account.id, is_primary: true }]);
    const audit = await db()
      .selectFrom('audit_log')
      .select(['action', 'source', 'ip', 'actor_label'])
      .where('entity_id', '=', contact.id)
      .execute();
    expect(audit).toEqual([
      {
        action: 'contact.created',
        source: 'self-registration',
        ip: '203.0.113.44',
        actor_label: 'self-registration',
      },
    ]);
    const mails = (await admin.get(`/api/emails?to=${encodeURIComponent(who.email)}`)).json<{
      items: { templateKey: string }[];
    }>().items;
    expect(mails.map((m) => m.templateKey)).toEqual(['new-contact-confirmation']);

    // The token works once.
    const again = await join({ token, ...person() });
    expect(again.statusCode).toBe(422);
    expect(again.json().error.details).toEqual([{ path: 'token', message: 'used' }]);
  });

  it('refuses an expired or unknown token with 422 on token', async () => {
    const token = await tokenOf();
    await db()
      .updateTable('one_time_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('token_hash', '=', sha256(token))
      .execute();
    const expired = await join({ token, ...person() });
    expect(expired.statusCode).toBe(422);
    expect(expired.json().error.details).toEqual([{ path: 'token', message: 'expired' }]);
    const unknown = await join({ token: 'not-a-token-we-issued', ...person() });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.details).toEqual([{ path: 'token', message: 'invalid' }]);
  });

  it('refuses a common password with 400, leaving the token usable', async () => {
    const token = await tokenOf();
    const res = await join({ token, ...person({ password: 'qwertyuiop' }) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ path: 'password', message: expect.any(String) }]);
    expect((await join({ token, ...person() })).statusCode).toBe(201);
  });

  it('creates nothing for an email that already has a contact: “check your email”, and its owner is told', async () => {
    const existing = person();
    expect((await join({ token: await tokenOf(), ...existing })).statusCode).toBe(201);
    const token = await tokenOf();
    const contactsBefore = await db()
      .selectFrom('contacts')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();

    const res = await join({ token, ...person({ email: existing.email.toUpperCase() }) });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ outcome: 'pending', message: CHECK_EMAIL_MESSAGE });
    expect(res.headers['set-cookie']).toBeUndefined();
    const contactsAfter = await db()
      .selectFrom('contacts')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    expect(contactsAfter.n).toBe(contactsBefore.n);
    const mails = (await admin.get(`/api/emails?to=${encodeURIComponent(existing.email)}`)).json<{
      items: { templateKey: string }[];
    }>().items;
    expect(mails.map((m) => m.templateKey).sort()).toEqual([
      'new-contact-confirmation',
      'sign-up-existing-email',
    ]);
    // One verification tests one email at most.
    expect((await join({ token, ...person() })).json().error.details).toEqual([
      { path: 'token', message: 'used' },
    ]);
  });

  it('limits failed verifications per account number across client addresses', async () => {
    const target = await accountWith('AC-4004', '90210', [{ number: 'INV-4004', daysAgo: 5 }]);
    const good = { accountNumber: target.number, postalCode: '90210', invoiceNumber: 'INV-4004' };
    for (let i = 0; i < 5; i++) {
      const res = await verify({ ...good, postalCode: `1000${i}` }, `198.51.100.${i + 1}`);
      expect(res.statusCode).toBe(422);
    }
    // Even the right answers, from yet another address, wait now (the number in another case too).
    const limited = await verify({ ...good, accountNumber: 'ac-4004' }, '198.51.100.99');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(
        /^Too many attempts for this account number\. Try again in \d+ minutes?\.$/,
      ),
    });
    // Other accounts are not affected.
    expect((await verify(right(), '198.51.100.99')).statusCode).toBe(200);
  });

  it('limits verifications to 10 per 10 minutes per client address', async () => {
    const ip = '192.0.2.77';
    for (let i = 0; i < 10; i++) {
      const res = await verify({ accountNumber: `NOPE-${i}`, postalCode: '1', invoiceNumber: '1' }, ip);
      expect(res.statusCode).toBe(422);
    }
    const limited = await verify(right(), ip);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.message).toMatch(/^Too many attempts from your network\. Try again in/);
  });

  it('normalises postal codes without case, spaces or dashes', () => {
    expect(normalizePostalCode(' sw1a-1AA ')).toBe('sw1a1aa');
    expect(normalizePostalCode('12345-6789')).toBe('123456789');
  });

  it('forgets failed verifications once their window has passed', async () => {
    const target = await accountWith('AC-5005', '10115', [{ number: 'INV-5005', daysAgo: 3 }]);
    const good = { accountNumber: target.number, postalCode: '10115', invoiceNumber: 'INV-5005' };
    for (let i = 0; i < 5; i++)
      expect((await verify({ ...good, invoiceNumber: `WRONG-${i}` }, `203.0.113.${i + 1}`)).statusCode).toBe(
        422,
      );
    expect((await verify(good, '203.0.113.50')).statusCode).toBe(429);
    // An hour on: the window has ended.
    await t.deps.database.db
      .updateTable('rate_limits')
      .set({ reset_at: new Date(Date.now() - 1000) })
      .where('key', '=', 'join-failures:ac-5005')
      .execute();
    expect((await verify(good, '203.0.113.50')).statusCode).toBe(200);
  });
});
