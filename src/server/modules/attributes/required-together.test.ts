import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { DEFAULT_REGISTRATION } from '../../../contracts/registration.ts';
import { writeSetting } from '../settings/settings.repository.ts';

/** A write missing a mandatory built-in field and a mandatory attribute hears about both in one 422. */
describe('mandatory fields and mandatory attributes in one answer', () => {
  let t: TestApp;
  let admin: Client;
  let accountId: string;
  let n = 0;
  const db = () => t.deps.database.db;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    await writeSetting(db(), t.deps.scopeId, 'registration', {
      ...DEFAULT_REGISTRATION,
      newAccount: { ...DEFAULT_REGISTRATION.newAccount, enabled: true, access: 'immediate' },
    });
    expect((await admin.post('/api/payment-terms', { code: 'NET30', name: 'Net 30' })).statusCode).toBe(201);
    for (const body of [
      {
        entity: 'account',
        key: 'industry',
        type: 'text',
        label: 'Industry',
        mandatory: true,
        showAtSignUp: true,
      },
      {
        entity: 'contact',
        key: 'job_title',
        type: 'text',
        label: 'Job title',
        mandatory: true,
        showAtSignUp: true,
      },
    ])
      expect((await admin.post('/api/attributes', body)).statusCode).toBe(201);
    const account = await admin.post('/api/accounts', {
      kind: 'business',
      name: 'Base Ltd',
      attributes: { industry: 'Food' },
    });
    expect(account.statusCode, account.body).toBe(201);
    accountId = account.json<{ id: string }>().id;
    const rules = await admin.patch('/api/settings', {
      requiredFields: { account: ['paymentTerms'], contact: ['phone'] },
    });
    expect(rules.statusCode, rules.body).toBe(200);
  });
  afterAll(() => t.close());

  const refusal = (res: { statusCode: number; body: string; json(): unknown }) => {
    expect(res.statusCode, res.body).toBe(422);
    return (res.json() as { error: { code: string; message: string; details: unknown[] } }).error;
  };

  it('POST /api/accounts names the payment terms and the attribute, and creates nothing', async () => {
    const error = refusal(await admin.post('/api/accounts', { kind: 'business', name: 'Both Missing' }));
    expect(error).toEqual({
      code: 'unprocessable',
      message: 'Payment terms is required',
      details: [
        { path: 'paymentTerms', message: 'Payment terms is required' },
        { path: 'attributes.industry', message: 'Industry is required' },
      ],
    });
    expect(
      await db().selectFrom('accounts').select('id').where('name', '=', 'Both Missing').execute(),
    ).toEqual([]);
    // Each alone is still named alone, with the same message as before.
    const onlyAttribute = refusal(
      await admin.post('/api/accounts', { kind: 'business', name: 'Half', paymentTerms: 'NET30' }),
    );
    expect(onlyAttribute.details).toEqual([{ path: 'attributes.industry', message: 'Industry is required' }]);
    const ok = await admin.post('/api/accounts', {
      kind: 'business',
      name: 'Whole',
      paymentTerms: 'NET30',
      attributes: { industry: 'Retail' },
    });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('POST /api/contacts names the phone and the attribute', async () => {
    const body = { accountId, email: `both${++n}@example.com`, firstName: 'Bo', lastName: 'Th' };
    const error = refusal(await admin.post('/api/contacts', body));
    expect(error.message).toBe('Phone is required');
    expect(error.details).toEqual([
      { path: 'phone', message: 'Phone is required' },
      { path: 'attributes.job_title', message: 'Job title is required' },
    ]);
    const ok = await admin.post('/api/contacts', {
      ...body,
      phone: '+1 555 0100',
      attributes: { job_title: 'Chef' },
    });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('PATCH names a cleared field and a cleared attribute together, and changes nothing', async () => {
    const account = await admin.patch(`/api/accounts/${accountId}`, {
      name: 'Renamed',
      paymentTerms: null,
      attributes: { industry: '' },
    });
    expect(refusal(account).details).toEqual([
      { path: 'paymentTerms', message: 'Payment terms is required' },
      { path: 'attributes.industry', message: 'Industry is required' },
    ]);
    const stored = await db()
      .selectFrom('accounts')
      .select(['name', 'custom'])
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ name: 'Base Ltd', custom: { industry: 'Food' } });

    const contact = await admin.post('/api/contacts', {
      accountId,
      email: `patch${++n}@example.com`,
      firstName: 'Pa',
      lastName: 'Tch',
      phone: '+1 555 0101',
      attributes: { job_title: 'Buyer' },
    });
    expect(contact.statusCode, contact.body).toBe(201);
    const cleared = await admin.patch(`/api/contacts/${contact.json<{ id: string }>().id}`, {
      phone: '',
      attributes: { job_title: null },
    });
    expect(refusal(cleared).details).toEqual([
      { path: 'phone', message: 'Phone is required' },
      { path: 'attributes.job_title', message: 'Job title is required' },
    ]);
  });

  it('bulk add without an account names the contacts’ and the personal accounts’ attributes together', async () => {
    const error = refusal(await admin.post('/api/contacts/bulk', { text: `solo${++n}@example.com,So,Lo` }));
    expect(error.message).toBe('Job title is required');
    expect(error.details).toEqual([
      { path: 'attributes.job_title', message: 'Job title is required' },
      { path: 'accountAttributes.industry', message: 'Industry is required' },
    ]);
  });

  it('the storefront sign-up names the phone and the attributes together', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/store/register',
      remoteAddress: '10.9.9.1',
      payload: {
        kind: 'business',
        companyName: 'Sign Up Both',
        firstName: 'Ana',
        lastName: 'Silva',
        email: 'ana@both-missing.test',
        billingAddress: { line1: '1 Way', city: 'Portland', postalCode: '97201', country: 'US' },
        password: 'a long storefront password',
      },
    });
    const error = refusal(res);
    expect(error.message).toBe('Phone is required');
    expect(error.details).toEqual([
      { path: 'phone', message: 'Phone is required' },
      { path: 'attributes.account.industry', message: 'Industry is required' },
      { path: 'attributes.contact.job_title', message: 'Job title is required' },
    ]);
    expect(
      await db().selectFrom('contacts').select('id').where('email', '=', 'ana@both-missing.test').execute(),
    ).toEqual([]);
  });
});
