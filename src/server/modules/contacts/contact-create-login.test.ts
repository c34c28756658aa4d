import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

const HOUR = 3600_000;
const SHARED_PASSWORD = 'shared-secret-of-group';

describe('adding a contact with work phone, language, customer groups and a login', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let account: { id: string };
  let n = 0;
  const email = (label: string) => `${label}${++n}@login.test`;
  const db = () => t.deps.database.db;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    account = (await admin.post('/api/accounts', { kind: 'business', name: 'Login Co' })).json();
    for (const key of ['vip', 'newsletter'])
      expect((await admin.post('/api/customer-groups', { key, name: key })).statusCode).toBe(201);
    const shared = await admin.post('/api/customer-groups', { key: 'dealers', name: 'Dealers' });
    expect(
      (
        await admin.patch(`/api/customer-groups/${shared.json<{ id: string }>().id}`, {
          password: SHARED_PASSWORD,
          loginValidUntil: new Date(Date.now() + HOUR).toISOString(),
        })
      ).statusCode,
    ).toBe(200);
    const other = await admin.post('/api/customer-groups', { key: 'partners', name: 'Partners' });
    await admin.patch(`/api/customer-groups/${other.json<{ id: string }>().id}`, {
      password: `${SHARED_PASSWORD}-2`,
    });
    expect((await admin.patch('/api/settings', { languages: ['en', 'fi', 'sv'] })).statusCode).toBe(200);
  });
  afterAll(() => t.close());

  const add = (body: Record<string, unknown>) =>
    admin.post(`/api/accounts/${account.id}/contacts`, {
      firstName: 'Lea',
      lastName: 'Login',
      ...body,
    });
  const signIn = (address: string, password: string) =>
    t.anonymous.post('/api/store/session', { email: address, password });
  const row = (id: string) =>
    db().selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const emailsTo = (address: string) =>
    db().selectFrom('emails').select(['template_key']).where('to_address', '=', address).execute();
  const auditOf = (id: string) =>
    db()
      .selectFrom('audit_log')
      .select(['action', 'after'])
      .where('entity_id', '=', id)
      .orderBy('at')
      .execute();

  it('stores work phone, an enabled language and customer groups, and audits them', async () => {
    const address = email('full');
    const res = await add({
      email: address,
      workPhone: '+358 9 123 4567',
      language: 'fi',
      customerGroups: ['vip', 'NEWSLETTER'],
      login: { mode: 'none' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const contact = res.json();
    expect(contact).toMatchObject({
      email: address,
      workPhone: '+358 9 123 4567',
      language: 'fi',
      customerGroups: ['newsletter', 'vip'],
      hasLogin: false,
      loginValidFrom: null,
      loginValidUntil: null,
    });
    expect(contact.password).toBeUndefined();
    expect(await emailsTo(address)).toEqual([]);
    const [created] = await auditOf(contact.id);
    expect(created).toMatchObject({
      action: 'contact.created',
      after: expect.objectContaining({ workPhone: '+358 9 123 4567', language: 'fi', login: 'none' }),
    });
    const vip = await admin.get('/api/customer-groups');
    const groupId = vip.json().items.find((g: { key: string }) => g.key === 'vip').id;
    const groupAudit = await auditOf(groupId);
    expect(groupAudit.at(-1)).toMatchObject({
      action: 'customerGroup.members_added',
      after: { contactIds: [contact.id], accountIds: [] },
    });
  });

  it('gives new contacts the first enabled language when none is chosen', async () => {
    expect((await admin.patch('/api/settings', { languages: ['sv', 'en'] })).statusCode).toBe(200);
    const res = await add({ email: email('default') });
    expect(res.json()).toMatchObject({ language: 'sv' });
    expect((await admin.get('/api/settings/languages')).json()).toEqual({ languages: ['sv', 'en'] });
    expect((await admin.patch('/api/settings', { languages: ['en', 'fi', 'sv'] })).statusCode).toBe(200);
  });

  it('refuses a language that is not enabled, unknown groups and a window out of order, naming each field', async () => {
    const address = email('bad');
    const res = await add({
      email: address,
      language: 'de',
      customerGroups: ['vip', 'nope'],
      login: { mode: 'activation-email', validFrom: '2030-01-02', validUntil: '2030-01-01' },
    });
    expect(res.statusCode).toBe(422);
    // The window is checked first, without the database.
    expect(res.json().error.details).toEqual([{ path: 'login.validUntil', message: expect.any(String) }]);
    const res2 = await add({ email: address, language: 'de', customerGroups: ['vip', 'nope'] });
    expect(res2.statusCode).toBe(422);
    expect(res2.json().error.details).toEqual([
      { path: 'language', message: expect.stringContaining('not enabled') },
      { path: 'customerGroups', message: 'Unknown customer group: nope' },
    ]);
    expect(await db().selectFrom('contacts').select('id').where('email', '=', address).execute()).toEqual([]);
  });

  it('sends the activation email and keeps the validity window', async () => {
    const address = email('act');
    const res = await add({
      email: address,
      login: { mode: 'activation-email', validFrom: '2026-01-01', validUntil: '2099-12-31' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      hasLogin: false,
      loginValidFrom: '2026-01-01T00:00:00.000Z',
      loginValidUntil: '2100-01-01T00:00:00.000Z',
    });
    expect(await emailsTo(address)).toEqual([{ template_key: 'accountactivation' }]);
  });

  it('refuses sendEmail with a login mode other than the activation email', async () => {
    const res = await add({ email: email('mixed'), sendEmail: 'accountactivation', login: { mode: 'none' } });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details).toEqual([{ path: 'sendEmail', message: expect.any(String) }]);
  });

  it('returns a generated password once, stores only its hash, and never audits or logs it', async () => {
    const address = email('gen');
    const res = await add({ email: address, login: { mode: 'generated-password' } });
    expect(res.statusCode, res.body).toBe(201);
    const { id, password, hasLogin } = res.json();
    expect(password).toMatch(/^[\w]{4}-[\w]{4}-[\w]{4}-[\w]{4}$/);
    expect(hasLogin).toBe(true);
    const stored = await row(id);
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);
    expect(stored.activated_at).not.toBeNull();
    expect(JSON.stringify(await auditOf(id))).not.toContain(password);
    expect(await emailsTo(address)).toEqual([]);
    expect((await signIn(address, password)).statusCode).toBe(200);
    // Read again, the contact carries no password.
    expect((await admin.get(`/api/contacts/${id}`)).json().password).toBeUndefined();
  });

  it('shared-password: signs in with the group’s password within the group’s window', async () => {
    const address = email('shared');
    const res = await add({
      email: address,
      customerGroups: ['dealers', 'vip'],
      login: { mode: 'shared-password' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const contact = res.json();
    expect(contact.password).toBeUndefined();
    expect(contact.customerGroups).toEqual(['dealers', 'vip']);
    expect(new Date(contact.loginValidUntil).getTime()).toBeGreaterThan(Date.now());
    expect((await signIn(address, SHARED_PASSWORD)).statusCode).toBe(200);
  });

  it('shared-password: refuses without exactly one chosen group with a password', async () => {
    for (const customerGroups of [[], ['vip'], ['dealers', 'partners']]) {
      const res = await add({ email: email('noshare'), customerGroups, login: { mode: 'shared-password' } });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details).toEqual([{ path: 'customerGroups', message: expect.any(String) }]);
    }
  });

  it('shows and changes the validity window on the contact, refusing an end before the start', async () => {
    const id = (await add({ email: email('window') })).json().id;
    const set = await admin.patch(`/api/contacts/${id}`, {
      loginValidFrom: '2030-01-01T08:00:00Z',
      loginValidUntil: '2030-06-30',
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({
      loginValidFrom: '2030-01-01T08:00:00.000Z',
      loginValidUntil: '2030-07-01T00:00:00.000Z',
    });
    const bad = await admin.patch(`/api/contacts/${id}`, { loginValidUntil: '2029-12-31' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details).toEqual([{ path: 'loginValidUntil', message: expect.any(String) }]);
    const badFrom = await admin.patch(`/api/contacts/${id}`, { loginValidFrom: '2031-01-01' });
    expect(badFrom.json().error.details).toEqual([{ path: 'loginValidFrom', message: expect.any(String) }]);
    expect((await admin.get(`/api/contacts/${id}`)).json()).toMatchObject({
      loginValidUntil: '2030-07-01T00:00:00.000Z',
    });
    const cleared = await admin.patch(`/api/contacts/${id}`, { loginValidFrom: null, loginValidUntil: null });
    expect(cleared.json()).toMatchObject({ loginValidFrom: null, loginValidUntil: null });
    const updates = (await auditOf(id)).filter((a) => a.action === 'contact.updated');
    expect(updates).toHaveLength(2);
    expect(updates[1]!.after).toEqual({ loginValidFrom: null, loginValidUntil: null });
  });

  it('refuses changing a contact’s language to one not enabled', async () => {
    const id = (await add({ email: email('lang') })).json().id;
    const res = await admin.patch(`/api/contacts/${id}`, { language: 'de' });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details).toEqual([{ path: 'language', message: expect.any(String) }]);
    expect((await admin.patch(`/api/contacts/${id}`, { language: 'sv' })).json().language).toBe('sv');
  });

  it('validates the enabled languages in settings', async () => {
    const res = await admin.patch('/api/settings', { languages: [] });
    expect(res.statusCode).toBe(400);
    const dup = await admin.patch('/api/settings', { languages: ['en', 'en'] });
    expect(dup.statusCode).toBe(400);
  });
});
