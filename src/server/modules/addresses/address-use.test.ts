import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Address } from '../../../contracts/addresses.ts';
import { DEFAULT_REGISTRATION, type RegistrationSettings } from '../../../contracts/registration.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { writeSetting } from '../settings/settings.repository.ts';
import { NO_MATCH_MESSAGE } from '../store/join.service.ts';

/** Sign-up and joining by proof use the same address book as the portal and the API. */
describe('the address book at sign-up and when joining by proof', () => {
  let t: TestApp;
  let admin: Client;
  let n = 0;
  let ip = 0;
  const db = () => t.deps.database.db;
  const post = (url: string, body: unknown) =>
    t.app.inject({ method: 'POST', url, payload: body as object, remoteAddress: `10.9.0.${++ip}` });
  const book = async (accountId: string) =>
    (await admin.get(`/api/accounts/${accountId}/addresses`)).json<{ items: Address[] }>().items;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    const value: RegistrationSettings = {
      ...DEFAULT_REGISTRATION,
      newAccount: { ...DEFAULT_REGISTRATION.newAccount, enabled: true, access: 'immediate' },
      newContact: { enabled: true, linkText: 'Join' },
    };
    await writeSetting(db(), t.deps.scopeId, 'registration', value);
    await t.deps.imports.startWorkers();
  });
  afterAll(() => t.close());

  describe('sign-up', () => {
    const signUp = (address: Record<string, string>) => ({
      kind: 'business',
      companyName: `Leeds Supply ${++n}`,
      firstName: 'Ola',
      lastName: 'Nord',
      email: `ola${n}@example.com`,
      billingAddress: { line1: '45 Market Street', city: 'Leeds', ...address },
      password: 'a long storefront password',
    });
    const accountOf = async (email: string) =>
      (
        await db()
          .selectFrom('contact_accounts')
          .innerJoin('contacts', 'contacts.id', 'contact_accounts.contact_id')
          .select('contact_accounts.account_id')
          .where('contacts.email', '=', email)
          .executeTakeFirstOrThrow()
      ).account_id;

    it('writes the default billing address of the book, the country typed as a name stored as its code', async () => {
      const body = signUp({ postalCode: 'LS1 6DT', country: 'United Kingdom' });
      const res = await post('/api/store/register', body);
      expect(res.statusCode, res.body).toBe(201);
      const items = await book(await accountOf(body.email));
      expect(items).toEqual([
        expect.objectContaining({ type: 'billing', isDefault: true, postalCode: 'LS1 6DT', country: 'GB' }),
      ]);
    });

    it.each([
      [{ postalCode: '1234', country: 'US' }, 'billingAddress.postalCode'],
      [{ postalCode: 'LS1 6DT', country: 'Atlantis' }, 'billingAddress.country'],
    ])('refuses %j with 422 naming %s, and creates nothing', async (address, path) => {
      const before = await db()
        .selectFrom('accounts')
        .select(sql<number>`count(*)::int`.as('n'))
        .executeTakeFirstOrThrow();
      const body = signUp(address);
      const res = await post('/api/store/register', body);
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().error.details).toEqual([{ path, message: expect.any(String) }]);
      const after = await db()
        .selectFrom('accounts')
        .select(sql<number>`count(*)::int`.as('n'))
        .executeTakeFirstOrThrow();
      expect(after.n).toBe(before.n);
    });
  });

  describe('joining by proof', () => {
    let account: { id: string; number: string };
    const verify = (postalCode: string) =>
      post('/api/store/join/verify', {
        accountNumber: account.number,
        postalCode,
        invoiceNumber: 'INV-ADDR-1',
      });

    beforeAll(async () => {
      // An account made in the portal with its billing address, and a recent invoice.
      const res = await admin.post('/api/accounts', {
        kind: 'business',
        name: 'Proof Ltd',
        number: 'PROOF-1',
        billingAddress: { line1: '1 Canal St', city: 'Manchester', postalCode: 'M1 3HE', country: 'GB' },
      });
      expect(res.statusCode, res.body).toBe(201);
      account = res.json();
      const today = new Date().toISOString().slice(0, 10);
      const inv = await admin.post('/api/invoices', {
        number: 'INV-ADDR-1',
        accountId: account.id,
        date: today,
        amount: 10,
        currency: 'GBP',
      });
      expect(inv.statusCode, inv.body).toBe(201);
    });

    it('matches the postal code of the billing address given in New account', async () => {
      const res = await verify('m13he');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().account.billingAddress).toMatchObject({ postalCode: 'M1 3HE', country: 'GB' });
    });

    it('checks the default billing address only: after the default moves, the old postal code no longer matches', async () => {
      const shipping = await admin.post(`/api/accounts/${account.id}/addresses`, {
        type: 'shipping',
        line1: 'Dock 4',
        city: 'Salford',
        postalCode: 'M50 3AZ',
        country: 'GB',
      });
      expect(shipping.statusCode).toBe(201);
      expect((await verify('M50 3AZ')).statusCode).toBe(422);

      const moved = await admin.post(`/api/accounts/${account.id}/addresses`, {
        type: 'billing',
        isDefault: true,
        line1: '2 Deansgate',
        city: 'Manchester',
        postalCode: 'M3 2BW',
        country: 'GB',
      });
      expect(moved.statusCode, moved.body).toBe(201);
      const old = await verify('M1 3HE');
      expect(old.statusCode).toBe(422);
      expect(old.json().error.message).toBe(NO_MATCH_MESSAGE);
      expect((await verify('M3 2BW')).statusCode).toBe(200);

      // Deleting the default hands it back to the oldest billing address.
      expect(
        (await admin.delete(`/api/accounts/${account.id}/addresses/${moved.json<Address>().id}`)).statusCode,
      ).toBe(204);
      expect((await verify('M1 3HE')).statusCode).toBe(200);
    });
  });

  describe('imports', () => {
    async function importAccounts(csv: string) {
      const up = await admin.upload('/api/imports', { type: 'accounts' }, [
        { field: 'file', filename: 'accounts.csv', content: csv },
      ]);
      expect(up.statusCode, up.body).toBe(201);
      const { id } = up.json<{ id: string }>();
      expect((await admin.post(`/api/imports/${id}/run`)).statusCode).toBe(202);
      for (let i = 0; i < 400; i++) {
        const imp = (await admin.get(`/api/imports/${id}`)).json<{ status: string; counts: unknown }>();
        if (['completed', 'failed', 'cancelled'].includes(imp.status)) return { id, ...imp };
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the import did not finish');
    }

    it('writes the default billing address of the book, the country as its code, and rejects a wrong postal code', async () => {
      const csv = [
        'Account number,Company name,Address1,City,Zip,Country',
        'IMP-ADDR-1,Imported Ltd,1 Canal St,Manchester,m1 3he,United Kingdom',
        'IMP-ADDR-2,Wrong Zip Inc,1 Main St,Springfield,1234,US',
        'IMP-ADDR-3,Nowhere Co,1 Main St,Springfield,12345,Atlantis',
      ].join('\n');
      const done = await importAccounts(csv);
      expect(done).toMatchObject({ status: 'completed', counts: { created: 1, rejected: 2 } });
      const { id } = await db()
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', 'IMP-ADDR-1')
        .executeTakeFirstOrThrow();
      expect(await book(id)).toEqual([
        expect.objectContaining({ type: 'billing', isDefault: true, postalCode: 'm1 3he', country: 'GB' }),
      ]);
      const report = (await admin.get(`/api/imports/${done.id}/report`)).body;
      expect(report).toContain('Not a valid postal code for United States of America');
      expect(report).toContain('Enter a country we know');

      // Joining by proof finds the imported account by its postal code, in any spacing and case.
      const inv = await admin.post('/api/invoices', {
        number: 'INV-IMP-1',
        accountId: id,
        date: new Date().toISOString().slice(0, 10),
        amount: 1,
        currency: 'GBP',
      });
      expect(inv.statusCode).toBe(201);
      const verified = await post('/api/store/join/verify', {
        accountNumber: 'IMP-ADDR-1',
        postalCode: 'M1 3HE',
        invoiceNumber: 'INV-IMP-1',
      });
      expect(verified.statusCode, verified.body).toBe(200);
    });
  });
});
