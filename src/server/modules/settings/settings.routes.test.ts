import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { DEFAULT_REGISTRATION } from '../../../contracts/registration.ts';

type Settings = {
  branding: { name: string; logoUrl: string | null; color: string };
  registration: typeof DEFAULT_REGISTRATION;
  accountNumberPrefix: string;
  erpSyncPolicy: string;
};

describe('settings API: Customer data', () => {
  let t: TestApp;
  let admin: Client & { id: string };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    // Values the defaults can be chosen from: what accounts (as an ERP import writes them) carry.
    const db = t.deps.database.db;
    const accounts: [string, string | null, string | null, string | null][] = [
      ['Terms Co A', 'NET30', 'Retail', 'R-07'],
      ['Terms Co B', 'net 60', 'Wholesale', 'R-07'],
      ['Terms Co C', 'NET30', null, 'R-02'],
      ['Terms Co D', '', null, null],
    ];
    for (const [name, terms, price, rep] of accounts) {
      const res = await admin.post('/api/accounts', { kind: 'business', name });
      expect(res.statusCode, res.body).toBe(201);
      await db
        .updateTable('accounts')
        .set({ payment_terms: terms, price_group: price, sales_rep_code: rep })
        .where('id', '=', res.json<{ id: string }>().id)
        .execute();
    }
    // The seller's lists (Settings → Customer data) hold the codes the defaults are chosen from.
    for (const [list, code] of [
      ['payment-terms', 'NET30'],
      ['payment-terms', 'net 60'],
      ['price-groups', 'Retail'],
      ['price-groups', 'Wholesale'],
      ['sales-reps', 'R-07'],
      ['sales-reps', 'R-02'],
    ]) {
      const res = await admin.post(`/api/${list}`, { code, name: code });
      expect(res.statusCode, res.body).toBe(201);
    }
    for (const [key, name] of [
      ['trade', 'Trade customers'],
      ['web', 'Web sign-ups'],
    ]) {
      expect((await admin.post('/api/customer-groups', { key, name })).statusCode).toBe(201);
    }
  });
  afterAll(() => t.close());

  const db = () => t.deps.database.db;
  const get = async () => {
    const res = await admin.get('/api/settings');
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Settings>();
  };
  const storedRows = () => db().selectFrom('settings').select(['key', 'value']).orderBy('key').execute();
  const settingsAudit = () =>
    db()
      .selectFrom('audit_log')
      .select(['action', 'entity_id', 'before', 'after', 'actor_id'])
      .where('entity_type', '=', 'settings')
      .orderBy('id')
      .execute();

  it('answers the defaults before anything is saved: sign-up off, prefix W, sync at the first order', async () => {
    expect(await get()).toEqual({
      branding: { name: 'Clientele', logoUrl: null, color: '#1c7ed6' },
      registration: DEFAULT_REGISTRATION,
      accountNumberPrefix: 'W',
      erpSyncPolicy: 'first-order',
      languages: ['en'],
      requiredFields: { account: [], contact: [] },
    });
  });

  it('offers the active codes of the lists, sorted, and the customer groups', async () => {
    const res = await admin.get('/api/settings/choices');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      paymentTerms: ['net 60', 'NET30'],
      priceGroups: ['Retail', 'Wholesale'],
      salesRepCodes: ['R-02', 'R-07'],
      customerGroups: [
        { key: 'trade', name: 'Trade customers' },
        { key: 'web', name: 'Web sign-ups' },
      ],
      nextAccountSequence: expect.any(Number),
    });
  });

  it('merges a partial registration change into what is stored and keeps the rest', async () => {
    const first = await admin.patch('/api/settings', {
      registration: { newAccount: { enabled: true, access: 'immediate' } },
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json<Settings>().registration).toEqual({
      ...DEFAULT_REGISTRATION,
      newAccount: { ...DEFAULT_REGISTRATION.newAccount, enabled: true, access: 'immediate' },
    });

    const second = await admin.patch('/api/settings', {
      registration: {
        newAccount: {
          linkText: '  Open a trade account  ',
          defaults: { paymentTerms: 'NET30', customerGroups: ['web', 'trade', 'web'], salesRepCode: 'R-07' },
        },
        newContact: { enabled: true },
        allowPersonalAccounts: false,
      },
      erpSyncPolicy: 'on-enable',
    });
    expect(second.statusCode, second.body).toBe(200);
    const expected = {
      newAccount: {
        enabled: true,
        linkText: 'Open a trade account',
        access: 'immediate',
        defaults: {
          paymentTerms: 'NET30',
          customerGroups: ['web', 'trade'],
          priceGroup: null,
          salesRepCode: 'R-07',
        },
      },
      newContact: { enabled: true, linkText: DEFAULT_REGISTRATION.newContact.linkText },
      allowPersonalAccounts: false,
    };
    expect(second.json<Settings>()).toMatchObject({ registration: expected, erpSyncPolicy: 'on-enable' });
    // A round trip: what GET answers is what was saved, branding untouched.
    expect(await get()).toEqual({
      branding: { name: 'Clientele', logoUrl: null, color: '#1c7ed6' },
      registration: expected,
      accountNumberPrefix: 'W',
      erpSyncPolicy: 'on-enable',
      languages: ['en'],
      requiredFields: { account: [], contact: [] },
    });
  });

  it('audits each changed setting with only the fields that changed', async () => {
    const entries = await settingsAudit();
    expect(entries).toEqual([
      {
        action: 'settings.updated',
        entity_id: 'registration',
        actor_id: admin.id,
        before: { 'newAccount.enabled': false, 'newAccount.access': 'approval' },
        after: { 'newAccount.enabled': true, 'newAccount.access': 'immediate' },
      },
      {
        action: 'settings.updated',
        entity_id: 'registration',
        actor_id: admin.id,
        before: {
          'newAccount.linkText': 'Create an account',
          'newAccount.defaults.paymentTerms': null,
          'newAccount.defaults.customerGroups': [],
          'newAccount.defaults.salesRepCode': null,
          'newContact.enabled': false,
          allowPersonalAccounts: true,
        },
        after: {
          'newAccount.linkText': 'Open a trade account',
          'newAccount.defaults.paymentTerms': 'NET30',
          'newAccount.defaults.customerGroups': ['web', 'trade'],
          'newAccount.defaults.salesRepCode': 'R-07',
          'newContact.enabled': true,
          allowPersonalAccounts: false,
        },
      },
      {
        action: 'settings.updated',
        entity_id: 'erpSyncPolicy',
        actor_id: admin.id,
        before: { erpSyncPolicy: 'first-order' },
        after: { erpSyncPolicy: 'on-enable' },
      },
    ]);
    // Saving the same values again changes nothing and writes no entry.
    const same = await admin.patch('/api/settings', {
      registration: { newAccount: { enabled: true } },
      erpSyncPolicy: 'on-enable',
    });
    expect(same.statusCode).toBe(200);
    expect(await settingsAudit()).toHaveLength(3);
  });

  describe('refusing defaults that do not exist', () => {
    it('refuses an unknown customer group with 422 naming the field, storing nothing', async () => {
      const before = await storedRows();
      const res = await admin.patch('/api/settings', {
        registration: { newAccount: { enabled: false, defaults: { customerGroups: ['trade', 'vip'] } } },
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({
        code: 'unprocessable',
        details: [
          { path: 'registration.newAccount.defaults.customerGroups', message: 'Unknown customer group: vip' },
        ],
      });
      expect(await storedRows()).toEqual(before);
    });

    it('refuses payment terms, a price group or a rep code that is not in its list', async () => {
      const res = await admin.patch('/api/settings', {
        registration: {
          newAccount: { defaults: { paymentTerms: 'NET99', priceGroup: 'Gold', salesRepCode: 'R-02' } },
        },
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details).toEqual([
        {
          path: 'registration.newAccount.defaults.paymentTerms',
          message: expect.stringContaining('NET99'),
        },
        { path: 'registration.newAccount.defaults.priceGroup', message: expect.stringContaining('Gold') },
      ]);
      expect(res.json().error.message).toContain('payment terms');
      // Values match exactly: the terms are "net 60", not "NET 60".
      const caseDiffers = await admin.patch('/api/settings', {
        registration: { newAccount: { defaults: { paymentTerms: 'NET 60' } } },
      });
      expect(caseDiffers.statusCode).toBe(422);
      expect((await get()).registration.newAccount.defaults.paymentTerms).toBe('NET30');
    });

    it('keeps a saved default after its code is deactivated, and lets it be cleared', async () => {
      const off = await admin.patch('/api/sales-reps/R-07', { active: false });
      expect(off.statusCode, off.body).toBe(200);
      const res = await admin.patch('/api/settings', {
        registration: { newAccount: { defaults: { salesRepCode: 'R-07', priceGroup: 'Retail' } } },
      });
      expect(res.statusCode, res.body).toBe(200);
      const cleared = await admin.patch('/api/settings', {
        registration: { newAccount: { defaults: { salesRepCode: null } } },
      });
      expect(cleared.json<Settings>().registration.newAccount.defaults).toMatchObject({
        salesRepCode: null,
        priceGroup: 'Retail',
      });
    });
  });

  describe('validation', () => {
    const refused = async (body: unknown, path: string) => {
      const res = await admin.patch('/api/settings', body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
      expect(res.json().error.details).toContainEqual({ path, message: expect.any(String) });
    };

    it('requires link texts', async () => {
      await refused(
        { registration: { newAccount: { linkText: '   ' } } },
        'registration.newAccount.linkText',
      );
      await refused({ registration: { newContact: { linkText: '' } } }, 'registration.newContact.linkText');
    });

    it('accepts only the known access modes and ERP sync policies', async () => {
      await refused({ registration: { newAccount: { access: 'later' } } }, 'registration.newAccount.access');
      await refused({ erpSyncPolicy: 'weekly' }, 'erpSyncPolicy');
    });

    it('refuses a bad account number prefix', async () => {
      await refused({ accountNumberPrefix: 'W 1' }, 'accountNumberPrefix');
      await refused({ accountNumberPrefix: '' }, 'accountNumberPrefix');
      await refused({ accountNumberPrefix: 'ABCDEFGHIJK' }, 'accountNumberPrefix');
      expect((await get()).accountNumberPrefix).toBe('W');
    });
  });

  it('gives the next account created through the API a number with the new prefix', async () => {
    const res = await admin.patch('/api/settings', { accountNumberPrefix: 'WEB-' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Settings>().accountNumberPrefix).toBe('WEB-');
    const next = (await admin.get('/api/settings/choices')).json<{ nextAccountSequence: number }>()
      .nextAccountSequence;
    const account = await admin.post('/api/accounts', { kind: 'business', name: 'Prefixed Co' });
    expect(account.statusCode).toBe(201);
    expect(account.json<{ number: string }>().number).toBe(`WEB-${next}`);
    // Reading the choices does not use up numbers.
    expect((await admin.get('/api/settings/choices')).json().nextAccountSequence).toBe(next + 1);
    const entry = (await settingsAudit()).at(-1);
    expect(entry).toMatchObject({
      entity_id: 'accountNumberPrefix',
      before: { accountNumberPrefix: 'W' },
      after: { accountNumberPrefix: 'WEB-' },
    });
  });

  it('keeps branding changes working as before', async () => {
    const res = await admin.patch('/api/settings', { branding: { color: '#0ca678' } });
    expect(res.statusCode).toBe(200);
    expect(res.json<Settings>().branding).toEqual({ name: 'Clientele', logoUrl: null, color: '#0ca678' });
    expect((await get()).registration.newAccount.linkText).toBe('Open a trade account');
  });

  it('accepts only https/http logo addresses and hex colours, and never renders another kind', async () => {
    for (const logoUrl of [
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'ftp://x.test/l.png',
    ]) {
      const res = await admin.patch('/api/settings', { branding: { logoUrl } });
      expect(res.statusCode, logoUrl).toBe(422);
      expect(res.json().error.details).toEqual([
        { path: 'branding.logoUrl', message: 'Use an https:// or http:// address' },
      ]);
    }
    const badColour = await admin.patch('/api/settings', { branding: { color: 'red;background:url(x)' } });
    expect(badColour.statusCode).toBe(400);
    expect(JSON.stringify(badColour.json().error.details)).toContain('color');
    expect((await get()).branding.logoUrl).toBeNull();

    const ok = await admin.patch('/api/settings', { branding: { logoUrl: 'https://cdn.test/logo.png' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json<Settings>().branding.logoUrl).toBe('https://cdn.test/logo.png');
    const preview = await admin.post('/api/email-templates/accountactivation/en/preview', {});
    expect(preview.json().html).toContain('<img src="https://cdn.test/logo.png"');

    // A value stored before this check is dropped where it would be rendered.
    await t.deps.database.db
      .updateTable('settings')
      .set({ value: JSON.stringify({ name: 'Clientele', logoUrl: 'javascript:alert(1)', color: '#0ca678' }) })
      .where('key', '=', 'branding')
      .execute();
    const unsafe = await admin.post('/api/email-templates/accountactivation/en/preview', {});
    expect(unsafe.json().html).not.toContain('javascript:');
    expect(unsafe.json().html).not.toContain('<img');
    expect((await get()).branding.logoUrl).toBeNull();
    await admin.patch('/api/settings', { branding: { logoUrl: null } });
  });

  describe('permissions', () => {
    it('lets settings.read read, not write, and others neither', async () => {
      const reader = await t.employee(['emailTemplatesEdit']);
      expect((await reader.get('/api/settings')).statusCode).toBe(200);
      expect((await reader.get('/api/settings/choices')).statusCode).toBe(200);
      expect((await reader.patch('/api/settings', { erpSyncPolicy: 'manual' })).statusCode).toBe(403);
      const viewer = await t.employee(['companyView']);
      expect((await viewer.get('/api/settings')).statusCode).toBe(403);
      expect((await viewer.get('/api/settings/choices')).statusCode).toBe(403);
      expect((await t.anonymous.get('/api/settings/choices')).statusCode).toBe(401);
      const editor = await t.employee(['settingsEdit']);
      const res = await editor.patch('/api/settings', { erpSyncPolicy: 'manual' });
      expect(res.statusCode).toBe(200);
      expect(res.json<Settings>().erpSyncPolicy).toBe('manual');
    });
  });
});
