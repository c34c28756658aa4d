import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addContactWithWelcome,
  cookieOf,
  clientFor,
  createTestApp,
  type Client,
  type TestApp,
} from '../../../../test/helpers/app.ts';

type Acc = { id: string; number: string; name: string };
type Change = {
  accounts: { id: string; number: string; primary: boolean; webAccount: boolean; status: string }[];
  emptiedWebAccount: { id: string; number: string } | null;
};

describe('a contact in several accounts', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let n = 0;
  const uniq = () => ++n;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
  });
  afterAll(() => t.close());

  const account = async (name: string, number?: string): Promise<Acc> => {
    const res = await admin.post('/api/accounts', { kind: 'business', name, ...(number && { number }) });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const contact = async (accountId: string): Promise<string> => {
    const res = await admin.post(`/api/accounts/${accountId}/contacts`, {
      email: `multi${uniq()}@example.com`,
      firstName: 'Multi',
      lastName: 'Account',
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  };
  const audit = (entityId: string) =>
    t.deps.database.db
      .selectFrom('audit_log')
      .select(['action', 'entity_type', 'before', 'after'])
      .where('entity_id', '=', entityId)
      .orderBy('id')
      .execute();
  const links = (contactId: string) =>
    t.deps.database.db
      .selectFrom('contact_accounts')
      .select(['account_id', 'is_primary'])
      .where('contact_id', '=', contactId)
      .orderBy('account_id')
      .execute();

  it('lists, adds, makes primary and removes accounts, audited on the contact and each account', async () => {
    const a = await account(`Alpha ${uniq()}`);
    const b = await account(`Bravo ${uniq()}`, `ERP-${uniq()}`);
    const c = await contact(a.id);

    const list = await admin.get(`/api/contacts/${c}/accounts`);
    expect(list.statusCode).toBe(200);
    expect(list.json().accounts).toEqual([
      {
        id: a.id,
        number: a.number,
        code: null,
        name: a.name,
        status: 'active',
        primary: true,
        webAccount: true,
      },
    ]);

    const added = await admin.post(`/api/contacts/${c}/accounts`, { accountId: b.id });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json<Change>().accounts.map((x) => [x.id, x.primary, x.webAccount])).toEqual([
      [a.id, true, true],
      [b.id, false, false],
    ]);
    expect(await audit(b.id)).toContainEqual(
      expect.objectContaining({
        action: 'account.contact_added',
        after: expect.objectContaining({ contactId: c, linked: true, primary: false }),
      }),
    );
    expect((await audit(c)).at(-1)).toMatchObject({ action: 'contact.account_added' });

    // The second time is a conflict naming the field.
    const again = await admin.post(`/api/contacts/${c}/accounts`, { accountId: b.id });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.details).toContainEqual(expect.objectContaining({ path: 'accountId' }));

    // The contact read shows both accounts.
    const read = (await admin.get(`/api/contacts/${c}`)).json();
    expect(read.account.id).toBe(a.id);
    expect(read.accounts.map((x: Acc) => x.id).sort()).toEqual([a.id, b.id].sort());

    // Make B primary, keeping A (explicitly, since A is a web account and B is not).
    const primary = await admin.put(`/api/contacts/${c}/primary-account`, {
      accountId: b.id,
      keepPrevious: true,
    });
    expect(primary.statusCode, primary.body).toBe(200);
    expect(primary.json<Change>().accounts.map((x) => [x.id, x.primary])).toEqual([
      [b.id, true],
      [a.id, false],
    ]);
    expect(primary.json<Change>().emptiedWebAccount).toBeNull();

    // Removing the primary needs a new primary; the only account can never go.
    const noNew = await admin.delete(`/api/contacts/${c}/accounts/${b.id}`);
    expect(noNew.statusCode).toBe(422);
    expect(noNew.json().error.details).toContainEqual(
      expect.objectContaining({ path: 'newPrimaryAccountId' }),
    );
    const sameAsRemoved = await admin.delete(
      `/api/contacts/${c}/accounts/${b.id}?newPrimaryAccountId=${b.id}`,
    );
    expect(sameAsRemoved.statusCode).toBe(422);
    const removed = await admin.delete(`/api/contacts/${c}/accounts/${b.id}?newPrimaryAccountId=${a.id}`);
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json<Change>().accounts.map((x) => [x.id, x.primary])).toEqual([[a.id, true]]);
    expect(await links(c)).toEqual([{ account_id: a.id, is_primary: true }]);
    expect((await audit(b.id)).at(-1)).toMatchObject({
      action: 'account.contact_removed',
      before: { linked: true, primary: true },
      after: { linked: false, primary: false },
    });
    const only = await admin.delete(`/api/contacts/${c}/accounts/${a.id}`);
    expect(only.statusCode).toBe(422);
    expect(only.json().error.details).toContainEqual(expect.objectContaining({ path: 'accountId' }));
    expect(await links(c)).toEqual([{ account_id: a.id, is_primary: true }]);

    // An account the contact is not in, and a missing one, are 404.
    expect((await admin.delete(`/api/contacts/${c}/accounts/${b.id}`)).statusCode).toBe(404);
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await admin.post(`/api/contacts/${c}/accounts`, { accountId: missing })).statusCode).toBe(404);
    expect((await admin.put(`/api/contacts/${c}/primary-account`, { accountId: missing })).statusCode).toBe(
      404,
    );
    expect((await admin.get(`/api/contacts/${missing}/accounts`)).statusCode).toBe(404);
  });

  it('adds an account as primary, and refuses bad input with the field named', async () => {
    const a = await account(`Charlie ${uniq()}`);
    const b = await account(`Delta ${uniq()}`);
    const c = await contact(a.id);
    const bad = await admin.post(`/api/contacts/${c}/accounts`, { accountId: 'nope' });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().error.details)).toContain('accountId');
    expect(
      (await admin.post(`/api/contacts/${c}/accounts`, { accountId: b.id, primary: 'yes' })).statusCode,
    ).toBe(400);
    expect((await admin.put(`/api/contacts/${c}/primary-account`, {})).statusCode).toBe(400);
    expect(await links(c)).toHaveLength(1);
    const res = await admin.post(`/api/contacts/${c}/accounts`, { accountId: b.id, primary: true });
    expect(res.statusCode).toBe(201);
    expect(res.json<Change>().accounts.map((x) => [x.id, x.primary])).toEqual([
      [b.id, true],
      [a.id, false],
    ]);
  });

  it('re-maps a contact from its web account to the ERP account, reports the emptied web account, which can then be disabled', async () => {
    const web = await account(`Web Signup ${uniq()}`);
    expect(web.number).toMatch(/^W\d+$/);
    const erp = await account(`ERP Customer ${uniq()}`, `C${uniq()}000`);
    const c = await contact(web.id);

    const res = await admin.put(`/api/contacts/${c}/primary-account`, { accountId: erp.id });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<Change>();
    expect(body.accounts.map((x) => [x.id, x.primary])).toEqual([[erp.id, true]]);
    expect(body.emptiedWebAccount).toMatchObject({ id: web.id, number: web.number });
    expect(await links(c)).toEqual([{ account_id: erp.id, is_primary: true }]);

    // Audited on the contact and on both accounts.
    expect((await audit(c)).at(-1)).toMatchObject({
      action: 'contact.primary_account_changed',
      before: { primaryAccountId: web.id },
      after: { primaryAccountId: erp.id },
    });
    expect((await audit(web.id)).at(-1)).toMatchObject({
      action: 'account.contact_removed',
      after: { contactId: c, linked: false },
    });
    expect((await audit(erp.id)).at(-1)).toMatchObject({
      action: 'account.contact_added',
      after: { contactId: c, linked: true, primary: true },
    });

    // Integrations hear it once, as contact.remapped on the new account.
    const remapped = await t.deps.database.db
      .selectFrom('events')
      .select(['account_id', 'data'])
      .where('type', '=', 'contact.remapped')
      .where(sql`data->>'contactId'`, '=', c)
      .execute();
    expect(remapped).toEqual([
      {
        account_id: erp.id,
        data: {
          contactId: c,
          email: expect.any(String),
          from: { id: web.id, number: web.number },
          to: { id: erp.id, number: erp.number },
        },
      },
    ]);

    // The portal's offer: the existing status change.
    const disabled = await admin.patch(`/api/accounts/${web.id}`, { status: 'disabled' });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json().contactCount).toBe(0);
  });

  it('does not report a web account that other contacts still use', async () => {
    const web = await account(`Shared Web ${uniq()}`);
    const erp = await account(`Shared ERP ${uniq()}`, `E${uniq()}`);
    const c1 = await contact(web.id);
    await contact(web.id);
    const res = await admin.put(`/api/contacts/${c1}/primary-account`, { accountId: erp.id });
    expect(res.json<Change>().emptiedWebAccount).toBeNull();
    expect(await links(c1)).toEqual([{ account_id: erp.id, is_primary: true }]);
  });

  it('PATCH /api/contacts/{id} with accountId moves the primary account the same way', async () => {
    const web = await account(`Patch Web ${uniq()}`);
    const erp = await account(`Patch ERP ${uniq()}`, `P${uniq()}`);
    const c = await contact(web.id);
    const res = await admin.patch(`/api/contacts/${c}`, { accountId: erp.id, phone: '+1 555 0199' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ phone: '+1 555 0199', account: { id: erp.id } });
    expect(res.json().accounts.map((x: Acc) => x.id)).toEqual([erp.id]);
    expect((await audit(c)).map((e) => e.action)).toEqual([
      'contact.created',
      'contact.updated',
      'contact.primary_account_changed',
    ]);
    expect((await audit(web.id)).at(-1)).toMatchObject({ action: 'account.contact_removed' });
    const missing = await admin.patch(`/api/contacts/${c}`, {
      accountId: '00000000-0000-4000-8000-000000000000',
      phone: 'not stored',
    });
    expect(missing.statusCode).toBe(404);
    expect((await admin.get(`/api/contacts/${c}`)).json().phone).toBe('+1 555 0199');
  });

  it('needs contacts.write, and shows a scoped employee foreign contacts and accounts as missing', async () => {
    const own = await account(`Own ${uniq()}`);
    const own2 = await account(`Own Two ${uniq()}`);
    const foreign = await account(`Foreign ${uniq()}`);
    const cOwn = await contact(own.id);
    const cForeign = await contact(foreign.id);
    const crm = await t.employee(['crmCompanyEdit'], { assignedAccountIds: [own.id, own2.id] });
    const viewer = await t.employee(['crmCompanyView'], { assignedAccountIds: [own.id] });

    expect((await crm.get(`/api/contacts/${cOwn}/accounts`)).statusCode).toBe(200);
    expect((await crm.get(`/api/contacts/${cForeign}/accounts`)).statusCode).toBe(404);
    const refused = await viewer.post(`/api/contacts/${cOwn}/accounts`, { accountId: own2.id });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.details).toEqual({ permission: 'contacts.write' });

    // The account in the body must be visible too.
    expect((await crm.post(`/api/contacts/${cOwn}/accounts`, { accountId: foreign.id })).statusCode).toBe(
      404,
    );
    expect(
      (await crm.put(`/api/contacts/${cOwn}/primary-account`, { accountId: foreign.id })).statusCode,
    ).toBe(404);
    expect((await crm.post(`/api/contacts/${cForeign}/accounts`, { accountId: own2.id })).statusCode).toBe(
      404,
    );
    expect(await links(cOwn)).toEqual([{ account_id: own.id, is_primary: true }]);

    // A contact of an assigned account that is also in a foreign one: the foreign link is not the crm's to change.
    expect((await admin.post(`/api/contacts/${cOwn}/accounts`, { accountId: foreign.id })).statusCode).toBe(
      201,
    );
    expect((await crm.delete(`/api/contacts/${cOwn}/accounts/${foreign.id}`)).statusCode).toBe(404);
    const ok = await crm.post(`/api/contacts/${cOwn}/accounts`, { accountId: own2.id, primary: true });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  describe('at the store', () => {
    it('starts with the primary account, switches to another active account, and refuses any other with 404', async () => {
      const a = await account(`Store A ${uniq()}`);
      const b = await account(`Store B ${uniq()}`);
      const off = await account(`Store Off ${uniq()}`);
      const stranger = await account(`Store Stranger ${uniq()}`);
      const welcome = await addContactWithWelcome(t, admin, a.id, `store${uniq()}@example.com`);
      for (const id of [b.id, off.id])
        expect((await admin.post(`/api/contacts/${welcome.id}/accounts`, { accountId: id })).statusCode).toBe(
          201,
        );
      expect((await admin.patch(`/api/accounts/${off.id}`, { status: 'disabled' })).statusCode).toBe(200);
      const password = 'store-password-accounts';
      expect(
        (await t.anonymous.post('/api/store/activate', { token: welcome.token, password })).statusCode,
      ).toBe(200);
      const signIn = await t.anonymous.post('/api/store/session', { email: welcome.email, password });
      expect(signIn.statusCode).toBe(200);
      expect(signIn.json().account.id).toBe(a.id);
      const store = clientFor(t.app, { cookie: cookieOf(signIn) });

      const session = (await store.get('/api/store/session')).json();
      expect(session.account).toEqual({ id: a.id, name: a.name, number: a.number });
      expect(session.accounts.map((x: Acc & { primary: boolean }) => [x.id, x.primary])).toEqual([
        [a.id, true],
        [b.id, false],
      ]);

      const switched = await store.put('/api/store/session/account', { accountId: b.id });
      expect(switched.statusCode, switched.body).toBe(200);
      expect(switched.json().account.id).toBe(b.id);
      expect((await store.get('/api/store/session')).json().account.id).toBe(b.id);

      for (const id of [off.id, stranger.id, '00000000-0000-4000-8000-000000000000']) {
        const res = await store.put('/api/store/session/account', { accountId: id });
        expect(res.statusCode).toBe(404);
      }
      expect((await store.put('/api/store/session/account', { accountId: 'x' })).statusCode).toBe(400);
      expect((await t.anonymous.put('/api/store/session/account', { accountId: b.id })).statusCode).toBe(401);
      expect((await store.get('/api/store/session')).json().account.id).toBe(b.id);

      // Another sign-in starts with the primary account again.
      const second = await t.anonymous.post('/api/store/session', { email: welcome.email, password });
      expect(second.json().account.id).toBe(a.id);

      // Leaving the chosen account falls back to the primary one.
      expect((await admin.delete(`/api/contacts/${welcome.id}/accounts/${b.id}`)).statusCode).toBe(200);
      const after = (await store.get('/api/store/session')).json();
      expect(after.account.id).toBe(a.id);
      expect(after.accounts.map((x: Acc) => x.id)).toEqual([a.id]);
    });
  });
});
