import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REGISTRATION } from '../../../contracts/registration.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { jobsSettled } from '../../../../test/helpers/jobs.ts';
import { hashPassword } from '../../lib/secrets.ts';
import { writeSetting } from '../settings/settings.repository.ts';
import { startAccountRequestWorker } from './account-requests.job.ts';

/** The answer without what differs between any two responses (the date). */
const answer = (res: LightMyRequestResponse) => {
  const { date: _date, ...headers } = res.headers;
  return { status: res.statusCode, body: res.body, headers };
};

describe('requests by email answer and work the same for known and unknown emails', () => {
  let t: TestApp;
  let admin: Client;
  let accountId: string;
  let n = 0;
  beforeAll(async () => {
    t = await createTestApp();
    await startAccountRequestWorker(t.deps);
    admin = await t.employee(['administrator']);
    accountId = (await admin.post('/api/accounts', { kind: 'business', name: 'Enum Co' })).json().id;
  });
  afterAll(() => t.close());

  const db = () => t.deps.database.db;
  // Both from the same kind of fresh address, so the per-client limits' headers count alike.
  const post = (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url, payload, remoteAddress: `203.0.113.${++n}` });

  async function contact(login: boolean) {
    const email = `enum${++n}@example.com`;
    const res = await admin.post(`/api/accounts/${accountId}/contacts`, {
      email,
      firstName: 'E',
      lastName: 'N',
    });
    expect(res.statusCode).toBe(201);
    const id = res.json().id as string;
    if (login)
      await db()
        .updateTable('contacts')
        .set({ password_hash: await hashPassword('a-store-password-1'), activated_at: new Date() })
        .where('id', '=', id)
        .execute();
    return { id, email };
  }

  const emailsTo = async (address: string) => {
    await jobsSettled(db(), 'account.request');
    return db().selectFrom('emails').select('template_key').where('to_address', '=', address).execute();
  };

  it('store password reset', async () => {
    const c = await contact(true);
    const known = await post('/api/store/password-reset', { email: c.email });
    const unknown = await post('/api/store/password-reset', { email: `nobody${++n}@example.com` });
    expect(known.statusCode).toBe(202);
    expect(answer(unknown)).toEqual(answer(known));
    expect(await emailsTo(c.email)).toEqual([{ template_key: 'password-reset' }]);
  });

  it('activation resend', async () => {
    const c = await contact(false);
    const known = await post('/api/store/activation/resend', { email: c.email.toUpperCase() });
    const unknown = await post('/api/store/activation/resend', { email: `nobody${++n}@example.com` });
    expect(known.statusCode).toBe(202);
    expect(answer(unknown)).toEqual(answer(known));
    expect(await emailsTo(c.email)).toEqual([{ template_key: 'accountactivation' }]);
  });

  it('employee forgot-password', async () => {
    const e = await t.employee(['companyView']);
    const known = await post('/api/session/password-reset', { email: e.email });
    const unknown = await post('/api/session/password-reset', { email: `ghost${++n}@example.com` });
    expect(known.statusCode).toBe(202);
    expect(answer(unknown)).toEqual(answer(known));
    expect(await emailsTo(e.email)).toEqual([{ template_key: 'employee-password-reset' }]);
  });

  it('store sign-up in approval mode: a used email and a new one', async () => {
    await writeSetting(db(), t.deps.scopeId, 'registration', {
      ...DEFAULT_REGISTRATION,
      newAccount: { ...DEFAULT_REGISTRATION.newAccount, enabled: true, access: 'approval' },
    });
    const existing = await contact(true);
    const fresh = `fresh${++n}@example.com`;
    const body = (email: string) => ({
      kind: 'business',
      companyName: `Enum Tools ${email}`,
      firstName: 'Ana',
      lastName: 'Silva',
      email,
      billingAddress: { line1: '1 Way', city: 'Portland', postalCode: '97201', country: 'US' },
      password: 'a long storefront password',
    });
    const known = await post('/api/store/register', body(existing.email));
    const unknown = await post('/api/store/register', body(fresh));
    expect(known.statusCode).toBe(201);
    expect(answer(unknown)).toEqual(answer(known));
    expect(await emailsTo(existing.email)).toEqual([{ template_key: 'sign-up-existing-email' }]);
    expect(await emailsTo(fresh)).toEqual([{ template_key: 'new-account-request-confirmation' }]);
    const created = await db()
      .selectFrom('contacts')
      .select(['status', 'password_hash'])
      .where('email', '=', fresh)
      .executeTakeFirstOrThrow();
    expect(created.status).toBe('pending');
    expect(created.password_hash).toMatch(/^\$argon2id\$/);
    // The used email created nothing.
    const accounts = await db()
      .selectFrom('accounts')
      .select('id')
      .where('name', '=', `Enum Tools ${existing.email}`)
      .execute();
    expect(accounts).toEqual([]);
  });

  it('refuses a malformed email with 400 naming the field, before any job', async () => {
    const res = await post('/api/store/password-reset', { email: 42 });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: 'email' }));
  });
});
