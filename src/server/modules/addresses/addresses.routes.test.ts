import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Address } from '../../../contracts/addresses.ts';
import { listAddresses } from './addresses.service.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

const london = { line1: '10 Downing Street', city: 'London', postalCode: 'SW1A 2AA', country: 'GB' };
const portland = {
  line1: '1200 Harbor Way',
  city: 'Portland',
  postalCode: '97201',
  region: 'OR',
  country: 'US',
};
const berlin = { line1: 'Unter den Linden 1', city: 'Berlin', postalCode: '10117', country: 'DE' };

describe('address books (/api/accounts/{id}/addresses, /api/contacts/{id}/addresses)', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let n = 0;
  const db = () => t.deps.database.db;

  const newAccount = async (name = `Book ${++n}`) => {
    const res = await admin.post('/api/accounts', { kind: 'business', name });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  };
  const newContact = async (accountId: string) => {
    const res = await admin.post(`/api/accounts/${accountId}/contacts`, {
      email: `book${++n}@example.com`,
      firstName: 'Ada',
      lastName: 'Book',
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  };
  const add = async (client: Client, base: string, body: Record<string, unknown>) => {
    const res = await client.post(`${base}/addresses`, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Address>();
  };
  const list = async (base: string) => {
    const res = await admin.get(`${base}/addresses`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ items: Address[] }>().items;
  };
  const defaults = async (column: 'account_id' | 'contact_id', id: string) =>
    (
      await db()
        .selectFrom('addresses')
        .select(['id', 'type'])
        .where(column, '=', id)
        .where('is_default', '=', true)
        .orderBy('type')
        .execute()
    ).map((r) => `${r.type}:${r.id}`);
  const auditOf = (entityId: string, action: string) =>
    db()
      .selectFrom('audit_log')
      .select(['entity_type', 'before', 'after', 'actor_id'])
      .where('entity_id', '=', entityId)
      .where('action', '=', action)
      .orderBy('id')
      .execute();

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
  });
  afterAll(() => t.close());

  describe.each(['account', 'contact'] as const)('of a %s', (kind) => {
    let ownerId: string;
    let base: string;
    const column = kind === 'account' ? 'account_id' : 'contact_id';
    beforeAll(async () => {
      const accountId = await newAccount();
      ownerId = kind === 'account' ? accountId : await newContact(accountId);
      base = `/api/${kind}s/${ownerId}`;
    });

    it('makes the first address of each type its default, and moves the default atomically on request', async () => {
      const first = await add(admin, base, { type: 'billing', ...london, name: 'Head office' });
      expect(first).toMatchObject({ type: 'billing', isDefault: true, name: 'Head office', country: 'GB' });
      const second = await add(admin, base, { type: 'billing', ...portland });
      expect(second.isDefault).toBe(false);
      const ship = await add(admin, base, { type: 'shipping', ...berlin, isDefault: false });
      expect(ship.isDefault).toBe(true);
      const moved = await add(admin, base, { type: 'billing', ...berlin, isDefault: true });
      expect(moved.isDefault).toBe(true);
      expect(await defaults(column, ownerId)).toEqual([`billing:${moved.id}`, `shipping:${ship.id}`]);
      const items = await list(base);
      expect(items.map((a) => [a.type, a.isDefault, a.id])).toEqual([
        ['billing', true, moved.id],
        ['billing', false, first.id],
        ['billing', false, second.id],
        ['shipping', true, ship.id],
      ]);
      const audits = await auditOf(ownerId, `${kind}.address.created`);
      expect(audits).toHaveLength(4);
      expect(audits[3]).toMatchObject({
        entity_type: kind,
        before: null,
        after: { id: moved.id, type: 'billing', isDefault: true, city: 'Berlin', formerDefaultId: first.id },
        actor_id: admin.id,
      });
    });

    it('makes an address the default with PATCH, and one at a time under concurrent requests', async () => {
      const items = await list(base);
      const billing = items.filter((a) => a.type === 'billing');
      const res = await admin.patch(`${base}/addresses/${billing[2]!.id}`, { isDefault: true });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<Address>().isDefault).toBe(true);
      expect(await defaults(column, ownerId)).toContain(`billing:${billing[2]!.id}`);
      const updated = await auditOf(ownerId, `${kind}.address.updated`);
      expect(updated.at(-1)).toMatchObject({
        before: { id: billing[2]!.id, isDefault: false },
        after: { id: billing[2]!.id, isDefault: true, formerDefaultId: billing[0]!.id },
      });

      const racing = await Promise.all(
        billing.map((a) => admin.patch(`${base}/addresses/${a.id}`, { isDefault: true })),
      );
      expect(racing.map((r) => r.statusCode)).toEqual([200, 200, 200]);
      expect((await defaults(column, ownerId)).filter((d) => d.startsWith('billing:'))).toHaveLength(1);
    });

    it('changes the lines, normalising the country code, and checks the postal code against the country', async () => {
      const [target] = await list(base);
      const ok = await admin.patch(`${base}/addresses/${target!.id}`, {
        line2: 'Floor 2',
        postalCode: 'EC1A 1BB',
        country: 'gb',
      });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json<Address>()).toMatchObject({ line2: 'Floor 2', postalCode: 'EC1A 1BB', country: 'GB' });

      const bad = await admin.patch(`${base}/addresses/${target!.id}`, { country: 'US' });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().error.details).toEqual([
        { path: 'postalCode', message: 'Not a valid postal code for United States of America' },
      ]);
      const row = await db()
        .selectFrom('addresses')
        .select(['country', 'postal_code', 'line2'])
        .where('id', '=', target!.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ country: 'GB', postal_code: 'EC1A 1BB', line2: 'Floor 2' });
    });

    it('hands the default to the oldest remaining address when the default is deleted, and leaves none after the last', async () => {
      const ship2 = await add(admin, base, { type: 'shipping', ...portland });
      const ship3 = await add(admin, base, { type: 'shipping', ...london });
      const shipDefault = (await list(base)).find((a) => a.type === 'shipping' && a.isDefault)!;
      const del = await admin.delete(`${base}/addresses/${shipDefault.id}`);
      expect(del.statusCode, del.body).toBe(204);
      expect(await defaults(column, ownerId)).toContain(`shipping:${ship2.id}`);
      const audit = await auditOf(ownerId, `${kind}.address.deleted`);
      expect(audit.at(-1)).toMatchObject({
        before: { id: shipDefault.id, type: 'shipping', isDefault: true },
        after: { promotedDefaultId: ship2.id },
      });
      expect((await admin.delete(`${base}/addresses/${ship2.id}`)).statusCode).toBe(204);
      expect(await defaults(column, ownerId)).toContain(`shipping:${ship3.id}`);
      expect((await admin.delete(`${base}/addresses/${ship3.id}`)).statusCode).toBe(204);
      expect((await defaults(column, ownerId)).filter((d) => d.startsWith('shipping:'))).toEqual([]);
      expect((await admin.delete(`${base}/addresses/${ship3.id}`)).statusCode).toBe(404);
    });

    it('moves a default that changes type: the old type promotes its oldest, the new type keeps its default', async () => {
      const fresh = kind === 'account' ? await newAccount() : await newContact(await newAccount());
      const b = `/api/${kind}s/${fresh}`;
      const bill1 = await add(admin, b, { type: 'billing', ...london });
      const bill2 = await add(admin, b, { type: 'billing', ...berlin });
      const ship = await add(admin, b, { type: 'shipping', ...portland });
      const res = await admin.patch(`${b}/addresses/${bill1.id}`, { type: 'shipping' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<Address>()).toMatchObject({ type: 'shipping', isDefault: false });
      expect(await defaults(column, fresh)).toEqual([`billing:${bill2.id}`, `shipping:${ship.id}`]);
    });
  });

  describe('validation', () => {
    let base: string;
    beforeAll(async () => {
      base = `/api/accounts/${await newAccount()}`;
    });
    const tryAdd = (body: Record<string, unknown>) =>
      admin.post(`${base}/addresses`, { type: 'billing', ...body });

    it.each([
      ['GB', 'SW1A 1AA'],
      ['us', '97201-1234'],
      ['De', '10117'],
      ['NL', '1012 JS'],
      ['CA', 'K1A 0B1'],
      ['AE', 'anything at all'], // no postal code format known: any non-empty value
    ])('accepts %s with postal code %s and stores the country upper case', async (country, postalCode) => {
      const res = await tryAdd({ ...london, country, postalCode });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json<Address>().country).toBe(country.toUpperCase());
    });

    it.each([
      ['GB', '12345'],
      ['US', '9720'],
      ['DE', '1011'],
      ['CA', '12345'],
    ])('refuses %s with postal code %s: 422 naming postalCode', async (country, postalCode) => {
      const res = await tryAdd({ ...london, country, postalCode });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({
        code: 'unprocessable',
        details: [{ path: 'postalCode', message: expect.stringMatching(/^Not a valid postal code for /) }],
      });
    });

    it.each(['UK', 'Germany', 'XX', 'G'])('refuses the country %s: 422 naming country', async (country) => {
      const res = await tryAdd({ ...london, country });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details).toEqual([
        { path: 'country', message: 'Use a two-letter ISO 3166-1 country code, such as GB, US or DE' },
      ]);
    });

    it('refuses missing lines, an unknown type and isDefault: false in a PATCH with 400 naming the field', async () => {
      const missing = await tryAdd({ ...london, city: '  ', postalCode: '' });
      expect(missing.statusCode).toBe(400);
      expect(JSON.stringify(missing.json().error.details)).toMatch(/city/);
      expect((await tryAdd({ ...london, type: 'home' })).statusCode).toBe(400);
      const added = (await tryAdd(london)).json<Address>();
      const unset = await admin.patch(`${base}/addresses/${added.id}`, { isDefault: false });
      expect(unset.statusCode).toBe(400);
      const stored = await db()
        .selectFrom('addresses')
        .select('id')
        .where('account_id', '=', base.split('/')[3]!)
        .execute();
      expect(stored.length).toBe(7);
    });

    it('answers 404 for an address of another owner, and for a missing owner', async () => {
      const other = `/api/accounts/${await newAccount()}`;
      const theirs = await add(admin, other, { type: 'billing', ...london });
      expect((await admin.patch(`${base}/addresses/${theirs.id}`, { city: 'X' })).statusCode).toBe(404);
      expect((await admin.delete(`${base}/addresses/${theirs.id}`)).statusCode).toBe(404);
      const missing = '/api/accounts/00000000-0000-4000-8000-000000000000';
      expect((await admin.get(`${missing}/addresses`)).statusCode).toBe(404);
      expect((await admin.post(`${missing}/addresses`, { type: 'billing', ...london })).statusCode).toBe(404);
      expect(await list(other)).toHaveLength(1);
    });
  });

  describe('permissions', () => {
    let mine: string;
    let foreign: string;
    let myContact: string;
    let foreignContact: string;
    let foreignAddress: Address;
    beforeAll(async () => {
      mine = await newAccount();
      foreign = await newAccount();
      myContact = await newContact(mine);
      foreignContact = await newContact(foreign);
      foreignAddress = await add(admin, `/api/accounts/${foreign}`, { type: 'billing', ...london });
    });

    it('reads with the read permission of the owner and writes with its write permission, naming what is missing', async () => {
      const viewer = await t.employee(['companyView']);
      expect((await viewer.get(`/api/accounts/${mine}/addresses`)).statusCode).toBe(200);
      expect((await viewer.get(`/api/contacts/${myContact}/addresses`)).statusCode).toBe(200);
      const refused = await viewer.post(`/api/accounts/${mine}/addresses`, { type: 'billing', ...london });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.details).toEqual({ permission: 'accounts.write' });

      const customerEdit = await t.employee(['customerEdit']);
      const contactWrite = await customerEdit.post(`/api/contacts/${myContact}/addresses`, {
        type: 'shipping',
        ...berlin,
      });
      expect(contactWrite.statusCode, contactWrite.body).toBe(201);
      const accountWrite = await customerEdit.post(`/api/accounts/${mine}/addresses`, {
        type: 'billing',
        ...london,
      });
      expect(accountWrite.statusCode).toBe(403);
      expect(accountWrite.json().error.details).toEqual({ permission: 'accounts.write' });
      const auditor = await t.employee(['auditView']);
      expect((await auditor.get(`/api/contacts/${myContact}/addresses`)).json().error.details).toEqual({
        permission: 'contacts.read',
      });
      expect((await t.anonymous.get(`/api/accounts/${mine}/addresses`)).statusCode).toBe(401);
    });

    it('gives crm-scoped employees their assigned accounts and contacts, and 404 for foreign ones like missing ones', async () => {
      const crm = await t.employee(['crmCompanyEdit'], { assignedAccountIds: [mine] });
      const own = await crm.post(`/api/accounts/${mine}/addresses`, { type: 'billing', ...london });
      expect(own.statusCode, own.body).toBe(201);
      expect(
        (await crm.post(`/api/contacts/${myContact}/addresses`, { type: 'billing', ...london })).statusCode,
      ).toBe(201);
      const foreignCalls = [
        crm.get(`/api/accounts/${foreign}/addresses`),
        crm.post(`/api/accounts/${foreign}/addresses`, { type: 'billing', ...london }),
        crm.patch(`/api/accounts/${foreign}/addresses/${foreignAddress.id}`, { city: 'Hacked' }),
        crm.delete(`/api/accounts/${foreign}/addresses/${foreignAddress.id}`),
        crm.get(`/api/contacts/${foreignContact}/addresses`),
        crm.post(`/api/contacts/${foreignContact}/addresses`, { type: 'billing', ...london }),
        // a foreign address through an own account is no better
        crm.patch(`/api/accounts/${mine}/addresses/${foreignAddress.id}`, { city: 'Hacked' }),
      ];
      for (const res of await Promise.all(foreignCalls)) {
        expect(res.statusCode, res.body).toBe(404);
        expect(res.json().error.code).toBe('not_found');
      }
      const stored = await db()
        .selectFrom('addresses')
        .select(['city'])
        .where('account_id', '=', foreign)
        .execute();
      expect(stored).toEqual([{ city: 'London' }]);
      expect(
        await db().selectFrom('addresses').select('id').where('contact_id', '=', foreignContact).execute(),
      ).toEqual([]);
    });
  });

  describe('POST /api/accounts with billingAddress', () => {
    it('stores it as the default billing address in the same transaction, audited', async () => {
      const res = await admin.post('/api/accounts', {
        kind: 'business',
        name: 'Billing Ltd',
        billingAddress: { ...london, name: 'Accounts payable', country: 'gb' },
      });
      expect(res.statusCode, res.body).toBe(201);
      const { id } = res.json<{ id: string }>();
      const items = await list(`/api/accounts/${id}`);
      expect(items).toEqual([
        expect.objectContaining({
          type: 'billing',
          isDefault: true,
          name: 'Accounts payable',
          country: 'GB',
        }),
      ]);
      expect(await auditOf(id, 'account.address.created')).toHaveLength(1);
    });

    it('refuses a wrong postal code with 422 naming billingAddress.postalCode, and creates nothing', async () => {
      const res = await admin.post('/api/accounts', {
        kind: 'business',
        name: 'Never Ltd',
        billingAddress: { ...london, postalCode: '123' },
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details).toEqual([
        { path: 'billingAddress.postalCode', message: 'Not a valid postal code for United Kingdom' },
      ]);
      const bad = await admin.post('/api/accounts', {
        kind: 'business',
        name: 'Never Ltd',
        billingAddress: { ...london, country: 'England' },
      });
      expect(bad.json().error.details[0].path).toBe('billingAddress.country');
      expect(
        await db().selectFrom('accounts').select('id').where('name', '=', 'Never Ltd').execute(),
      ).toEqual([]);
    });
  });

  it('reads a book in two statements, whatever its size', async () => {
    const id = await newAccount();
    for (const a of [london, berlin, portland])
      await add(admin, `/api/accounts/${id}`, { type: 'shipping', ...a });
    let statements = 0;
    const counting = db().withPlugin({
      transformQuery: (args) => {
        statements++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const items = await listAddresses(counting, t.system, { kind: 'account', id });
    expect(items).toHaveLength(3);
    expect(statements).toBe(2);
  });
});
