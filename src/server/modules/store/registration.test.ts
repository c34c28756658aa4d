import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REGISTRATION, type RegistrationSettings } from '../../../contracts/registration.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { SYSTEM_EMAILS } from '../../email/default-templates.ts';
import { validateTemplate } from '../../email/render.ts';
import { writeSetting } from '../settings/settings.repository.ts';
import { jobsSettled } from '../../../../test/helpers/jobs.ts';
import { startAccountRequestWorker } from '../auth/account-requests.job.ts';
import { CHECK_EMAIL_MESSAGE, PENDING_MESSAGE } from './registration.service.ts';

type Settings = {
  newAccount?: Partial<RegistrationSettings['newAccount']>;
  newContact?: Partial<RegistrationSettings['newContact']>;
  allowPersonalAccounts?: boolean;
};

describe('storefront sign-up (POST /api/store/register)', () => {
  let t: TestApp;
  let admin: Client;
  let n = 0;
  let ipCount = 0;
  /** Each test signs up from addresses of its own, so the per-IP limit counts only its requests. */
  const nextIp = () => `10.1.${Math.floor(++ipCount / 250)}.${(ipCount % 250) + 1}`;

  beforeAll(async () => {
    t = await createTestApp();
    await startAccountRequestWorker(t.deps);
    admin = await t.employee(['administrator']);
    await t.deps.database.db
      .insertInto('customer_groups')
      .values([
        { scope_id: t.deps.scopeId, key: 'wholesale', name: 'Wholesale', password_hash: null },
        { scope_id: t.deps.scopeId, key: 'retail', name: 'Retail', password_hash: null },
      ])
      .execute();
  });
  afterAll(() => t.close());

  const db = () => t.deps.database.db;
  /** Approval-mode sign-ups are done by a job: waits for it. */
  const settled = () => jobsSettled(db(), 'account.request');

  async function setRegistration(s: Settings) {
    const value: RegistrationSettings = {
      ...DEFAULT_REGISTRATION,
      ...s,
      newAccount: { ...DEFAULT_REGISTRATION.newAccount, ...s.newAccount },
      newContact: { ...DEFAULT_REGISTRATION.newContact, ...s.newContact },
    };
    await writeSetting(db(), t.deps.scopeId, 'registration', value);
  }

  const register = (body: Record<string, unknown>, ip = nextIp(), headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/api/store/register', payload: body, remoteAddress: ip, headers });

  const signUp = (overrides: Record<string, unknown> = {}) => ({
    kind: 'business',
    companyName: `Harbor Tools ${++n}`,
    firstName: 'Ana',
    lastName: 'Silva',
    email: `ana.silva${n}@example.com`,
    phone: '+1 555 0100',
    billingAddress: {
      line1: '1200 Harbor Way',
      line2: 'Suite 4',
      city: 'Portland',
      postalCode: '97201',
      region: 'OR',
      country: 'US',
    },
    password: 'a long storefront password',
    ...overrides,
  });

  const cookieOf = (res: LightMyRequestResponse) => res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');

  const counts = async () => {
    const { rows } = await sql<{ accounts: number; contacts: number; addresses: number; emails: number }>`
      select (select count(*)::int from accounts) as accounts, (select count(*)::int from contacts) as contacts,
             (select count(*)::int from addresses) as addresses, (select count(*)::int from emails) as emails`.execute(
      db(),
    );
    return rows[0]!;
  };

  const accountByName = (name: string) =>
    db().selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirst();
  const contactByEmail = (email: string) =>
    db().selectFrom('contacts').selectAll().where('email', '=', email).executeTakeFirst();
  const emailsTo = async (email: string) =>
    (await admin.get(`/api/emails?to=${encodeURIComponent(email)}`)).json<{
      items: { templateKey: string; cc: string[]; bcc: string[]; subject: string; text: string }[];
    }>().items;

  it('tells the sign-in page that both links are off by default', async () => {
    const res = await t.anonymous.get('/api/store/registration');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      newAccount: { enabled: false, linkText: DEFAULT_REGISTRATION.newAccount.linkText },
      newContact: { enabled: false, linkText: DEFAULT_REGISTRATION.newContact.linkText },
      allowPersonalAccounts: true,
      requiredFields: [],
      languages: ['en'],
      attributes: [],
    });
  });

  it('refuses sign-ups while creating accounts online is switched off', async () => {
    await setRegistration({ newAccount: { enabled: false } });
    const before = await counts();
    const res = await register(signUp());
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({
      code: 'forbidden',
      message: 'Creating accounts online is not available',
    });
    expect(await counts()).toEqual(before);
  });

  describe('with immediate access', () => {
    beforeAll(() =>
      setRegistration({
        newAccount: {
          enabled: true,
          linkText: 'Open an account',
          access: 'immediate',
          defaults: {
            paymentTerms: 'NET30',
            customerGroups: ['wholesale', 'deleted-since'],
            priceGroup: 'B',
            salesRepCode: 'R7',
          },
        },
        newContact: { enabled: true, linkText: 'Join your company' },
      }),
    );

    it('shows the configured links on the sign-in page', async () => {
      expect((await t.anonymous.get('/api/store/registration')).json()).toEqual({
        newAccount: { enabled: true, linkText: 'Open an account' },
        newContact: { enabled: true, linkText: 'Join your company' },
        allowPersonalAccounts: true,
        requiredFields: [],
        languages: ['en'],
        attributes: [],
      });
    });

    it('creates an active account with the defaults and signs the contact in', async () => {
      const body = signUp();
      const res = await register(body, '203.0.113.7');
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ outcome: 'active', message: expect.any(String) });
      const setCookie = String(res.headers['set-cookie']);
      expect(setCookie).toMatch(/^clt_store=/);
      expect(setCookie).toMatch(/HttpOnly/i);

      const session = await t.app.inject({
        method: 'GET',
        url: '/api/store/session',
        headers: { cookie: cookieOf(res) },
      });
      expect(session.statusCode).toBe(200);
      const account = (await accountByName(body.companyName))!;
      const contact = (await contactByEmail(body.email))!;
      expect(session.json()).toEqual({
        contact: { id: contact.id, email: body.email, firstName: 'Ana', lastName: 'Silva' },
        account: { id: account.id, name: body.companyName, number: account.number },
        accounts: [{ id: account.id, name: body.companyName, number: account.number, primary: true }],
      });

      expect(account).toMatchObject({
        kind: 'business',
        status: 'active',
        self_registered: true,
        payment_terms: 'NET30',
        price_group: 'B',
        sales_rep_code: 'R7',
      });
      expect(account.number).toMatch(/^W\d+$/);
      const groups = await db()
        .selectFrom('account_customer_groups')
        .innerJoin('customer_groups', 'customer_groups.id', 'account_customer_groups.customer_group_id')
        .select('customer_groups.key')
        .where('account_id', '=', account.id)
        .execute();
      expect(groups).toEqual([{ key: 'wholesale' }]);
      const addresses = await db()
        .selectFrom('addresses')
        .select(['type', 'is_default', 'line1', 'line2', 'city', 'postal_code', 'region', 'country'])
        .where('account_id', '=', account.id)
        .execute();
      expect(addresses).toEqual([
        {
          type: 'billing',
          is_default: true,
          line1: '1200 Harbor Way',
          line2: 'Suite 4',
          city: 'Portland',
          postal_code: '97201',
          region: 'OR',
          country: 'US',
        },
      ]);
      expect(contact).toMatchObject({ status: 'active', phone: '+1 555 0100' });
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
        .select(['action', 'source', 'ip', 'actor_type', 'actor_label'])
        .where('entity_id', 'in', [account.id, contact.id])
        .orderBy('id')
        .execute();
      expect(audit).toEqual([
        {
          action: 'account.created',
          source: 'self-registration',
          ip: '203.0.113.7',
          actor_type: 'system',
          actor_label: 'self-registration',
        },
        {
          action: 'contact.created',
          source: 'self-registration',
          ip: '203.0.113.7',
          actor_type: 'system',
          actor_label: 'self-registration',
        },
      ]);
      // Nothing to confirm: the visitor is already in.
      expect(await emailsTo(body.email)).toEqual([]);
    });

    it('names a personal account after the person and uses the configured number prefix', async () => {
      await db()
        .insertInto('settings')
        .values({
          scope_id: t.deps.scopeId,
          key: 'accountNumberPrefix',
          value: JSON.stringify('WEB-'),
          updated_at: new Date(),
        })
        .execute();
      const body = signUp({ kind: 'personal', companyName: null, firstName: 'Jonas', lastName: 'Berg' });
      const res = await register(body);
      expect(res.statusCode).toBe(201);
      const account = (await accountByName('Jonas Berg'))!;
      expect(account).toMatchObject({ kind: 'personal', status: 'active', self_registered: true });
      expect(account.number).toMatch(/^WEB-\d+$/);
      await db().deleteFrom('settings').where('key', '=', 'accountNumberPrefix').execute();
    });

    it('gives the contact the browser’s language when enabled, unless the body names one', async () => {
      await admin.patch('/api/settings', { languages: ['en', 'fr-CA', 'de'] });
      const contactLanguage = async (email: string) =>
        (
          await db()
            .selectFrom('contacts')
            .select('language')
            .where(sql<boolean>`lower(email) = ${email.toLowerCase()}`)
            .executeTakeFirstOrThrow()
        ).language;
      const french = signUp({ companyName: 'Boulangerie Arnaud' });
      expect(
        (await register(french, nextIp(), { 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' })).statusCode,
      ).toBe(201);
      expect(await contactLanguage(french.email)).toBe('fr-CA');

      const chosen = signUp({ companyName: 'Berg Bau', language: 'de' });
      expect((await register(chosen, nextIp(), { 'accept-language': 'fr' })).statusCode).toBe(201);
      expect(await contactLanguage(chosen.email)).toBe('de');

      const unknown = signUp({ companyName: 'Plain Supplies' });
      expect((await register(unknown, nextIp(), { 'accept-language': '*' })).statusCode).toBe(201);
      expect(await contactLanguage(unknown.email)).toBe('en');

      const notEnabled = signUp({ companyName: 'Svensk AB' });
      expect((await register(notEnabled, nextIp(), { 'accept-language': 'sv' })).statusCode).toBe(201);
      expect(await contactLanguage(notEnabled.email)).toBe('en');

      const bad = await register(signUp({ companyName: 'Bad Lang', language: 'french' }));
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details).toContainEqual(expect.objectContaining({ path: 'language' }));
      const refused = await register(signUp({ companyName: 'Sv Lang', language: 'sv' }), nextIp());
      expect(refused.statusCode).toBe(422);
      expect(refused.json().error.details).toEqual([
        { path: 'language', message: 'The language “sv” is not enabled; choose one of en, fr-CA, de' },
      ]);
      await admin.patch('/api/settings', { languages: ['en'] });
    });

    it('answers “check your email” for an email that already has an account, creates nothing and tells its owner', async () => {
      const first = signUp();
      expect((await register(first)).statusCode).toBe(201);
      const before = await counts();

      const res = await register(
        signUp({ email: first.email.toUpperCase(), companyName: 'Someone Else Ltd' }),
      );
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ outcome: 'pending', message: CHECK_EMAIL_MESSAGE });
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(await accountByName('Someone Else Ltd')).toBeUndefined();
      const after = await counts();
      expect(after).toEqual({ ...before, emails: before.emails + 1 });

      const mails = await emailsTo(first.email);
      expect(mails).toHaveLength(1);
      expect(mails[0]).toMatchObject({
        templateKey: 'sign-up-existing-email',
        subject: 'Someone tried to create an account with your email',
      });
      expect(mails[0]!.text).toContain('http://clientele.test/store/sign-in');
      expect(mails[0]!.text).toContain('http://clientele.test/store/reset');
    });

    it('answers a bot that fills the hidden field like an approval-mode success and stores nothing', async () => {
      const before = await counts();
      const res = await register(signUp({ website: 'http://spam.example' }));
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ outcome: 'pending', message: PENDING_MESSAGE });
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(await counts()).toEqual(before);
    });

    it('refuses a common password with 400 on password, creating nothing', async () => {
      const before = await counts();
      const res = await register(signUp({ password: '1234567890' }));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toEqual([{ path: 'password', message: expect.any(String) }]);
      expect(await counts()).toEqual(before);
    });

    it('refuses a business account without a company name with 422 on companyName', async () => {
      const res = await register(signUp({ companyName: '  ' }));
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details).toEqual([
        { path: 'companyName', message: 'Required for a business account' },
      ]);
    });

    it('refuses a personal account with 422 on kind when personal accounts are off', async () => {
      await setRegistration({
        newAccount: { enabled: true, access: 'immediate' },
        allowPersonalAccounts: false,
      });
      const before = await counts();
      const res = await register(signUp({ kind: 'personal', companyName: null }));
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details).toEqual([
        { path: 'kind', message: 'Only business accounts can be created' },
      ]);
      expect(await counts()).toEqual(before);
      expect((await t.anonymous.get('/api/store/registration')).json().allowPersonalAccounts).toBe(false);
    });
  });

  describe('with approval', () => {
    beforeAll(async () => {
      await setRegistration({ newAccount: { enabled: true, access: 'approval' } });
      const res = await admin.patch('/api/email-templates/new-account-request-confirmation', {
        cc: ['sales@seller.example'],
        bcc: ['audit@seller.example'],
      });
      expect(res.statusCode).toBe(200);
    });

    it('keeps the account and contact pending, signs nobody in, and confirms to the visitor with cc to the staff', async () => {
      const body = signUp();
      const res = await register(body, '198.51.100.9');
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ outcome: 'pending', message: PENDING_MESSAGE });
      expect(res.headers['set-cookie']).toBeUndefined();
      await settled();

      const account = (await accountByName(body.companyName))!;
      const contact = (await contactByEmail(body.email))!;
      expect(account).toMatchObject({ status: 'pending', self_registered: true });
      expect(contact).toMatchObject({ status: 'pending' });
      expect(contact.password_hash).not.toBeNull();
      // A pending contact cannot sign in yet.
      const signIn = await t.anonymous.post('/api/store/session', {
        email: body.email,
        password: body.password,
      });
      expect(signIn.statusCode).toBe(401);

      const row = await db()
        .selectFrom('emails')
        .select(['template_key', 'to_address', 'cc', 'bcc', 'contact_id', 'text'])
        .where('to_address', '=', body.email)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        template_key: 'new-account-request-confirmation',
        cc: ['sales@seller.example'],
        bcc: ['audit@seller.example'],
        contact_id: contact.id,
      });
      for (const detail of [
        body.companyName,
        account.number,
        'Ana Silva',
        '+1 555 0100',
        '1200 Harbor Way',
        'Portland, OR 97201',
      ])
        expect(row.text).toContain(detail);
      const listed = await emailsTo(body.email);
      expect(listed.map((e) => e.cc)).toEqual([['sales@seller.example']]);

      const audit = await db()
        .selectFrom('audit_log')
        .select(['source', 'ip'])
        .where('entity_id', '=', account.id)
        .execute();
      expect(audit).toEqual([{ source: 'self-registration', ip: '198.51.100.9' }]);
    });

    it('answers an email that already has an account exactly as a new one, and emails its owner instead', async () => {
      const existing = signUp();
      expect((await register(existing)).statusCode).toBe(201);

      const fresh = await register(signUp());
      await settled();
      const before = await counts();
      const again = await register(signUp({ email: ` ${existing.email.toUpperCase()} ` }));
      await settled();
      expect(again.statusCode).toBe(fresh.statusCode);
      expect(again.body).toBe(fresh.body);
      expect(again.headers['set-cookie']).toBe(fresh.headers['set-cookie']);
      expect(again.headers['content-type']).toBe(fresh.headers['content-type']);
      expect(await counts()).toEqual({ ...before, emails: before.emails + 1 });

      const mails = await emailsTo(existing.email);
      expect(mails.map((m) => m.templateKey).sort()).toEqual([
        'new-account-request-confirmation',
        'sign-up-existing-email',
      ]);
      const attempt = await db()
        .selectFrom('audit_log')
        .select(['action', 'source'])
        .where('action', '=', 'contact.sign_up_attempted')
        .execute();
      expect(attempt.length).toBeGreaterThan(0);
    });

    it('lets two sign-ups with the same new email race: one account, the same answer for both', async () => {
      const body = signUp();
      const [a, b] = await Promise.all([
        register({ ...body, companyName: 'Race One' }),
        register({ ...body, companyName: 'Race Two' }),
      ]);
      expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
      expect(a.body).toBe(b.body);
      await settled();
      const contacts = await db()
        .selectFrom('contacts')
        .select('id')
        .where(sql<boolean>`lower(email) = lower(${body.email})`)
        .execute();
      expect(contacts).toHaveLength(1);
      const accounts = await db()
        .selectFrom('accounts')
        .select('id')
        .where('name', 'in', ['Race One', 'Race Two'])
        .execute();
      expect(accounts).toHaveLength(1);
    });
  });

  it('limits sign-ups to 5 per 10 minutes per client address', async () => {
    await setRegistration({ newAccount: { enabled: true, access: 'approval' } });
    const ip = '192.0.2.55';
    for (let i = 0; i < 5; i++) expect((await register(signUp(), ip)).statusCode).toBe(201);
    await settled();
    const before = await counts();
    const limited = await register(signUp(), ip);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(/^Too many sign-ups from your network\. Try again in/),
    });
    await settled();
    expect(await counts()).toEqual(before);
    // Another address is not affected.
    expect((await register(signUp(), '192.0.2.56')).statusCode).toBe(201);
  });

  it('ships sign-up emails whose templates use only the variables they are given', async () => {
    for (const key of ['new-account-request-confirmation', 'sign-up-existing-email']) {
      const shipped = SYSTEM_EMAILS[key]!.defaults.en!;
      expect(await validateTemplate(key, shipped)).toEqual([]);
    }
  });

  it('refuses a malformed body with 400 naming the fields', async () => {
    await setRegistration({ newAccount: { enabled: true, access: 'approval' } });
    const res = await register({ ...signUp(), email: 'not-an-email', billingAddress: { line1: 'x' } });
    expect(res.statusCode).toBe(400);
    const paths = (res.json().error.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['email', 'billingAddress.city']));
  });
});
