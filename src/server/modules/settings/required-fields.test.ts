import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Import, ImportCreated } from '../../../contracts/imports.ts';
import { DEFAULT_REGISTRATION } from '../../../contracts/registration.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { writeSetting } from './settings.repository.ts';

describe('mandatory built-in fields and enabled languages', () => {
  let t: TestApp;
  let admin: Client;
  let viewer: Client;
  let accountId: string;
  let n = 0;
  const db = () => t.deps.database.db;
  const unique = () => `${Date.now().toString(36)}${++n}`;

  beforeAll(async () => {
    t = await createTestApp();
    await t.deps.imports.startWorkers();
    admin = await t.employee(['administrator']);
    viewer = await t.employee(['customerView']);
    await writeSetting(db(), t.deps.scopeId, 'registration', {
      ...DEFAULT_REGISTRATION,
      newAccount: { ...DEFAULT_REGISTRATION.newAccount, enabled: true, access: 'immediate' },
      newContact: { ...DEFAULT_REGISTRATION.newContact, enabled: true },
    });
    for (const [list, code] of [
      ['payment-terms', 'NET30'],
      ['price-groups', 'Retail'],
    ] as const)
      expect((await admin.post(`/api/${list}`, { code, name: code })).statusCode).toBe(201);
    const account = await admin.post('/api/accounts', { kind: 'business', name: 'Base Ltd', number: 'B-1' });
    accountId = account.json<{ id: string }>().id;
    const res = await admin.patch('/api/settings', {
      requiredFields: { account: ['paymentTerms', 'billingAddress'], contact: ['phone', 'workPhone'] },
      languages: ['en', 'sv'],
    });
    expect(res.statusCode, res.body).toBe(200);
  });
  afterAll(() => t.close());

  const contactBody = (extra: Record<string, unknown> = {}) => ({
    email: `c${unique()}@example.com`,
    firstName: 'Ann',
    lastName: 'Ax',
    ...extra,
  });
  const address = { line1: 'Main St 1', city: 'Springfield', postalCode: '12345', country: 'US' };

  describe('settings', () => {
    it('stores and audits the mandatory fields; any employee reads the field rules', async () => {
      const settings = (await admin.get('/api/settings')).json<{ requiredFields: unknown }>();
      expect(settings.requiredFields).toEqual({
        account: ['paymentTerms', 'billingAddress'],
        contact: ['phone', 'workPhone'],
      });
      const audit = await db()
        .selectFrom('audit_log')
        .select(['before', 'after'])
        .where('entity_type', '=', 'settings')
        .where('entity_id', '=', 'requiredFields')
        .execute();
      expect(audit).toEqual([
        {
          before: { account: [], contact: [] },
          after: { account: ['paymentTerms', 'billingAddress'], contact: ['phone', 'workPhone'] },
        },
      ]);
      const rules = await viewer.get('/api/settings/field-rules');
      expect(rules.statusCode).toBe(200);
      expect(rules.json()).toEqual({
        requiredFields: {
          account: ['paymentTerms', 'billingAddress'],
          contact: ['phone', 'workPhone'],
        },
        languages: ['en', 'sv'],
      });
      expect((await viewer.get('/api/settings')).statusCode).toBe(403);
    });

    it('refuses a field that cannot be made mandatory, naming it, and keeps what was stored', async () => {
      const res = await admin.patch('/api/settings', { requiredFields: { account: ['name'], contact: [] } });
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(res.json().error.details)).toContain('requiredFields');
      const bad = await admin.patch('/api/settings', { languages: ['en', 'en'] });
      expect(bad.statusCode).toBe(400);
      const rules = (await admin.get('/api/settings/field-rules')).json<{ languages: string[] }>();
      expect(rules.languages).toEqual(['en', 'sv']);
    });
  });

  describe('accounts', () => {
    it('refuses a new account without a mandatory field, with the field named', async () => {
      const res = await admin.post('/api/accounts', { kind: 'business', name: `No terms ${unique()}` });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({
        code: 'unprocessable',
        message: 'Payment terms is required',
        details: [
          { path: 'paymentTerms', message: 'Payment terms is required' },
          { path: 'billingAddress', message: 'Billing address is required' },
        ],
      });
      const ok = await admin.post('/api/accounts', {
        kind: 'business',
        name: `With terms ${unique()}`,
        paymentTerms: 'NET30',
        billingAddress: address,
      });
      expect(ok.statusCode, ok.body).toBe(201);
    });

    it('refuses a change that clears a mandatory field, and accepts one that leaves it out', async () => {
      const before = await db()
        .selectFrom('accounts')
        .select('payment_terms')
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow();
      const cleared = await admin.patch(`/api/accounts/${accountId}`, { paymentTerms: null });
      expect(cleared.statusCode).toBe(422);
      expect(cleared.json().error.details).toEqual([
        { path: 'paymentTerms', message: 'Payment terms is required' },
      ]);
      const blank = await admin.patch(`/api/accounts/${accountId}`, { paymentTerms: '' });
      expect(blank.statusCode).toBe(422);
      const renamed = await admin.patch(`/api/accounts/${accountId}`, { name: 'Base Renamed' });
      expect(renamed.statusCode).toBe(200);
      // Not mandatory: may be cleared.
      expect((await admin.patch(`/api/accounts/${accountId}`, { priceGroup: null })).statusCode).toBe(200);
      const after = await db()
        .selectFrom('accounts')
        .select('payment_terms')
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow();
      expect(after).toEqual(before);
    });
  });

  describe('contacts', () => {
    it('refuses a new contact without a mandatory field, from the account and from the list', async () => {
      for (const url of [`/api/accounts/${accountId}/contacts`, '/api/contacts']) {
        const body = contactBody({ phone: '+1 555 0100', ...(url === '/api/contacts' && { accountId }) });
        const res = await admin.post(url, body);
        expect(res.statusCode).toBe(422);
        expect(res.json().error.details).toEqual([{ path: 'workPhone', message: 'Work phone is required' }]);
        const count = await db()
          .selectFrom('contacts')
          .select('id')
          .where('email', '=', body.email)
          .execute();
        expect(count).toEqual([]);
      }
      const ok = await admin.post(
        `/api/accounts/${accountId}/contacts`,
        contactBody({ phone: '+1 555 0100', workPhone: '+1 555 0101', language: 'sv' }),
      );
      expect(ok.statusCode, ok.body).toBe(201);
      expect(ok.json()).toMatchObject({ language: 'sv', workPhone: '+1 555 0101' });
    });

    it('refuses clearing a mandatory field and a language that is not enabled', async () => {
      const created = await admin.post(
        `/api/accounts/${accountId}/contacts`,
        contactBody({ phone: '+1 555 0100', workPhone: '+1 555 0101' }),
      );
      const id = created.json<{ id: string }>().id;
      const cleared = await admin.patch(`/api/contacts/${id}`, { phone: null, workPhone: '' });
      expect(cleared.statusCode).toBe(422);
      expect(cleared.json().error.details).toEqual([
        { path: 'phone', message: 'Phone is required' },
        { path: 'workPhone', message: 'Work phone is required' },
      ]);
      const language = await admin.patch(`/api/contacts/${id}`, { language: 'de' });
      expect(language.statusCode).toBe(422);
      expect(language.json().error.details).toEqual([
        { path: 'language', message: 'The language “de” is not enabled; choose one of en, sv' },
      ]);
      const ok = await admin.patch(`/api/contacts/${id}`, { firstName: 'Anna', language: 'sv' });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ phone: '+1 555 0100', workPhone: '+1 555 0101', language: 'sv' });
    });
  });

  describe('bulk add', () => {
    it('rejects the lines that would create a contact without a mandatory field, with the same message', async () => {
      const existing = await admin.post(
        `/api/accounts/${accountId}/contacts`,
        contactBody({ phone: '1', workPhone: '2' }),
      );
      const existingEmail = existing.json<{ email: string }>().email;
      const d = `${unique()}.example.com`;
      const res = await admin.post('/api/contacts/bulk', {
        accountId,
        text: [
          `full@${d},Full,Line,+1 555 0100,+1 555 0101`,
          `nowork@${d},No,Work,+1 555 0100`,
          `bare@${d},Bare,Line`,
          `${existingEmail},Already,There`,
        ].join('\n'),
      });
      expect(res.statusCode, res.body).toBe(200);
      const out = res.json<{ results: { line: number; status: string; error?: string }[] }>();
      expect(out.results).toMatchObject([
        { line: 1, status: 'created' },
        { line: 2, status: 'invalid', error: 'Work phone is required' },
        { line: 3, status: 'invalid', error: 'Phone is required; Work phone is required' },
        { line: 4, status: 'exists' },
      ]);
      const stored = await db()
        .selectFrom('contacts')
        .select(['work_phone', 'language'])
        .where('email', 'like', `%@${d}`)
        .execute();
      expect(stored).toEqual([{ work_phone: '+1 555 0101', language: 'en' }]);
    });
  });

  describe('imports', () => {
    let files = 0;
    async function importFile(type: string, content: string) {
      const res = await admin.upload('/api/imports', { type }, [
        { field: 'file', filename: `required-${type}-${++files}.csv`, content },
      ]);
      expect(res.statusCode, res.body).toBe(201);
      const created = res.json<ImportCreated>();
      expect((await admin.post(`/api/imports/${created.id}/run`)).statusCode).toBe(202);
      for (let i = 0; i < 400; i++) {
        const imp = (await admin.get(`/api/imports/${created.id}`)).json<Import>();
        if (['completed', 'failed', 'cancelled'].includes(imp.status)) {
          const report = (await admin.get(`/api/imports/${created.id}/report`)).body;
          return { imp, report };
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('import did not finish');
    }

    it('rejects rows creating contacts without a mandatory field or with a language not enabled', async () => {
      const d = `${unique()}.example.com`;
      const { imp, report } = await importFile(
        'contacts',
        [
          'account number,email,first name,last name,phone,work phone,language',
          `B-1,ok@${d},Ok,Row,+1 555,+1 556,sv`,
          `B-1,nowork@${d},No,Work,+1 555,,`,
          `B-1,german@${d},Ger,Man,+1 555,+1 556,de`,
        ].join('\n'),
      );
      expect(imp.counts).toMatchObject({ created: 1, rejected: 2 });
      expect(report).toContain('Work phone is required');
      expect(report).toContain('The language “de” is not enabled; choose one of en, sv');
      // Updating an existing contact may leave the cell empty: the stored value stays.
      const again = await importFile(
        'contacts',
        ['account number,email,first name,last name,work phone', `B-1,ok@${d},Okay,Row,`].join('\n'),
      );
      expect(again.imp.counts).toMatchObject({ updated: 1, rejected: 0 });
    });

    it('rejects rows creating accounts without a mandatory field', async () => {
      const { imp, report } = await importFile(
        'accounts',
        [
          'account number,company name,payment terms,billing line 1,billing city,billing postal code,billing country',
          `N-${unique()},Has All,NET30,Main St 1,Springfield,12345,US`,
          `N-${unique()},No Terms,,Main St 1,Springfield,12345,US`,
          'B-1,Base Renamed,,,,,',
        ].join('\n'),
      );
      expect(imp.counts).toMatchObject({ created: 1, rejected: 1 });
      expect(report).toContain('Payment terms is required');
    });
  });

  describe('storefront', () => {
    const signUp = (extra: Record<string, unknown> = {}) => ({
      kind: 'business',
      companyName: `Shop ${unique()}`,
      firstName: 'Sam',
      lastName: 'Shop',
      email: `s${unique()}@example.com`,
      password: 'a long enough passphrase',
      billingAddress: address,
      ...extra,
    });
    let ip = 0;
    const register = (body: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url: '/api/store/register',
        payload: body,
        remoteAddress: `198.51.100.${++ip}`,
      });

    it('tells the sign-up form what is mandatory and which languages it offers', async () => {
      const info = (await t.anonymous.get('/api/store/registration')).json();
      expect(info).toMatchObject({ requiredFields: ['phone', 'workPhone'], languages: ['en', 'sv'] });
    });

    it('refuses a sign-up without a mandatory contact field, with the same message', async () => {
      const res = await register(signUp({ phone: '+1 555 0100' }));
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details).toEqual([{ path: 'workPhone', message: 'Work phone is required' }]);
      const wrong = await register(signUp({ phone: '1', workPhone: '2', language: 'de' }));
      expect(wrong.statusCode).toBe(422);
      const body = signUp({ phone: '+1 555 0100', workPhone: '+1 555 0101', language: 'sv' });
      const ok = await register(body);
      expect(ok.statusCode, ok.body).toBe(201);
      const stored = await db()
        .selectFrom('contacts')
        .select(['work_phone', 'language'])
        .where('email', '=', body.email)
        .executeTakeFirstOrThrow();
      expect(stored).toEqual({ work_phone: '+1 555 0101', language: 'sv' });
    });
  });
});
