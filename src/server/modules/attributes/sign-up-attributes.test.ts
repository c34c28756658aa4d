import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { jobsSettled } from '../../../../test/helpers/jobs.ts';
import { DEFAULT_REGISTRATION } from '../../../contracts/registration.ts';
import { startAccountRequestWorker } from '../auth/account-requests.job.ts';
import { writeSetting } from '../settings/settings.repository.ts';

describe('custom attributes at the storefront sign-up and in bulk add', () => {
  let t: TestApp;
  let admin: Client;
  let n = 0;
  const db = () => t.deps.database.db;

  const setAccess = (access: 'immediate' | 'approval') =>
    writeSetting(db(), t.deps.scopeId, 'registration', {
      ...DEFAULT_REGISTRATION,
      newAccount: { ...DEFAULT_REGISTRATION.newAccount, enabled: true, access },
    });

  beforeAll(async () => {
    t = await createTestApp();
    await startAccountRequestWorker(t.deps);
    admin = await t.employee(['administrator']);
    await setAccess('immediate');
    const define = async (body: Record<string, unknown>) =>
      expect((await admin.post('/api/attributes', body)).statusCode).toBe(201);
    await define({
      entity: 'account',
      key: 'industry',
      type: 'select',
      label: 'Industry',
      labels: { de: 'Branche' },
      options: [
        { value: 'retail', label: 'Retail' },
        { value: 'food', label: 'Food' },
      ],
      mandatory: true,
      showAtSignUp: true,
      helpText: 'Your main line of business',
    });
    await define({
      entity: 'contact',
      key: 'job_title',
      type: 'text',
      label: 'Job title',
      showAtSignUp: true,
    });
    // Mandatory but not asked at sign-up: not enforced there.
    await define({
      entity: 'account',
      key: 'erp_ref',
      type: 'text',
      label: 'ERP reference',
      mandatory: true,
    });
    await define({ entity: 'contact', key: 'internal_note', type: 'text', label: 'Internal note' });
  });
  afterAll(() => t.close());

  const register = (attributes: unknown) =>
    t.app.inject({
      method: 'POST',
      url: '/api/store/register',
      remoteAddress: `10.9.0.${++n}`,
      payload: {
        kind: 'business',
        companyName: `Attr Shop ${n}`,
        firstName: 'Ana',
        lastName: 'Silva',
        email: `ana${n}@signup-attrs.test`,
        billingAddress: { line1: '1 Way', city: 'Portland', postalCode: '97201', country: 'US' },
        password: 'a long storefront password',
        attributes,
      },
    });

  it('lists the sign-up attributes in the visitor’s language', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/store/registration',
      headers: { 'accept-language': 'de-DE,de;q=0.9' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().attributes).toEqual([
      {
        entity: 'account',
        key: 'industry',
        label: 'Branche',
        type: 'select',
        options: [
          { value: 'retail', label: 'Retail' },
          { value: 'food', label: 'Food' },
        ],
        mandatory: true,
        helpText: 'Your main line of business',
      },
      {
        entity: 'contact',
        key: 'job_title',
        label: 'Job title',
        type: 'text',
        options: [],
        mandatory: false,
        helpText: null,
      },
    ]);
  });

  it('stores valid values on the new account and contact', async () => {
    const res = await register({ account: { industry: 'food' }, contact: { job_title: 'Buyer' } });
    expect(res.statusCode, res.body).toBe(201);
    const contact = await db()
      .selectFrom('contacts')
      .innerJoin('contact_accounts', 'contact_accounts.contact_id', 'contacts.id')
      .innerJoin('accounts', 'accounts.id', 'contact_accounts.account_id')
      .select(['contacts.custom as contactCustom', 'accounts.custom as accountCustom'])
      .where('contacts.email', '=', `ana${n}@signup-attrs.test`)
      .executeTakeFirstOrThrow();
    expect(contact.accountCustom).toEqual({ industry: 'food' });
    expect(contact.contactCustom).toEqual({ job_title: 'Buyer' });
  });

  it('refuses a missing mandatory attribute, a wrong option and attributes not asked at sign-up, with the API’s messages', async () => {
    const missing = await register({ contact: { job_title: 'Buyer' } });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error.details).toEqual([
      { path: 'attributes.account.industry', message: 'Industry is required' },
    ]);
    const wrong = await register({ account: { industry: 'mining' }, contact: { internal_note: 'x' } });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().error.details).toEqual([
      { path: 'attributes.account.industry', message: 'Industry: "mining" is not one of the options' },
      { path: 'attributes.contact.internal_note', message: 'Unknown attribute "internal_note"' },
    ]);
    const stored = await db()
      .selectFrom('contacts')
      .select('id')
      .where('email', 'in', [`ana${n - 1}@signup-attrs.test`, `ana${n}@signup-attrs.test`])
      .execute();
    expect(stored).toEqual([]);
  });

  it('keeps the values through an approval-mode sign-up', async () => {
    await setAccess('approval');
    const res = await register({ account: { industry: 'retail' } });
    expect(res.statusCode, res.body).toBe(201);
    await jobsSettled(db(), 'account.request');
    const account = await db()
      .selectFrom('accounts')
      .select(['custom', 'status'])
      .where('name', '=', `Attr Shop ${n}`)
      .executeTakeFirstOrThrow();
    expect(account).toEqual({ custom: { industry: 'retail' }, status: 'pending' });
    await setAccess('immediate');
  });

  it('bulk add: every new contact gets the values; mandatory contact attributes are enforced', async () => {
    const accountId = (
      await admin.post('/api/accounts', {
        kind: 'business',
        name: 'Bulk Co',
        attributes: { industry: 'food', erp_ref: 'E1' },
      })
    ).json().id;
    const ok = await admin.post('/api/contacts/bulk', {
      accountId,
      text: 'bulk1@attrs.test,Bo,One\nbulk2@attrs.test,Bo,Two',
      attributes: { job_title: 'Chef' },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const rows = await db()
      .selectFrom('contacts')
      .select('custom')
      .where('email', 'in', ['bulk1@attrs.test', 'bulk2@attrs.test'])
      .execute();
    expect(rows.map((r) => r.custom)).toEqual([{ job_title: 'Chef' }, { job_title: 'Chef' }]);
    const bad = await admin.post('/api/contacts/bulk', {
      accountId,
      text: 'bulk3@attrs.test,Bo,Three',
      attributes: { job_title: ['a'] },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details).toEqual([
      { path: 'attributes.job_title', message: 'Job title must be text' },
    ]);
    const mandatory = await admin.post('/api/attributes', {
      entity: 'contact',
      key: 'badge',
      type: 'number',
      label: 'Badge number',
      mandatory: true,
    });
    const missing = await admin.post('/api/contacts/bulk', { accountId, text: 'bulk4@attrs.test,Bo,Four' });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error.message).toBe('Badge number is required');
    await admin.delete(`/api/attributes/${mandatory.json().id}`);
  });

  it('bulk add without an account: the personal accounts get accountAttributes; mandatory ones enforced', async () => {
    const missing = await admin.post('/api/contacts/bulk', { text: 'solo1@attrs.test,So,One' });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error).toMatchObject({
      message: 'ERP reference is required',
      details: [
        { path: 'accountAttributes.erp_ref', message: 'ERP reference is required' },
        { path: 'accountAttributes.industry', message: 'Industry is required' },
      ],
    });
    const wrong = await admin.post('/api/contacts/bulk', {
      text: 'solo1@attrs.test,So,One',
      accountAttributes: { industry: 'mining', erp_ref: 'E9' },
    });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().error.details).toEqual([
      { path: 'accountAttributes.industry', message: 'Industry: "mining" is not one of the options' },
    ]);
    expect(
      await db().selectFrom('contacts').select('id').where('email', '=', 'solo1@attrs.test').execute(),
    ).toEqual([]);

    const ok = await admin.post('/api/contacts/bulk', {
      text: 'solo1@attrs.test,So,One\nsolo2@attrs.test,So,Two',
      accountAttributes: { industry: 'retail', erp_ref: 'E9' },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const accountIds = ok.json<{ results: { accountId: string }[] }>().results.map((r) => r.accountId);
    const accounts = await db()
      .selectFrom('accounts')
      .select(['kind', 'custom'])
      .where('id', 'in', accountIds)
      .execute();
    expect(accounts).toEqual([
      { kind: 'personal', custom: { industry: 'retail', erp_ref: 'E9' } },
      { kind: 'personal', custom: { industry: 'retail', erp_ref: 'E9' } },
    ]);
    const audit = await db()
      .selectFrom('audit_log')
      .select('after')
      .where('action', '=', 'account.created')
      .where('entity_id', '=', accountIds[0]!)
      .executeTakeFirstOrThrow();
    expect(audit.after).toMatchObject({ attributes: { industry: 'retail', erp_ref: 'E9' } });
    expect((await admin.get(`/api/accounts/${accountIds[0]}`)).json().attributes).toEqual({
      industry: 'retail',
      erp_ref: 'E9',
    });

    // With an account chosen no account is made: its values have nowhere to go.
    const withAccount = await admin.post('/api/contacts/bulk', {
      accountId: accountIds[0],
      text: 'solo3@attrs.test,So,Three',
      accountAttributes: { industry: 'retail' },
    });
    expect(withAccount.statusCode).toBe(422);
    expect(withAccount.json().error.details).toEqual([
      { path: 'accountAttributes', message: 'Only without an account' },
    ]);
  });
});
