import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Import, ImportCreated } from '../../../contracts/imports.ts';
import { clientFor, createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

type Account = {
  id: string;
  number: string;
  paymentTerms: string | null;
  priceGroup: string | null;
  salesRepCode: string | null;
  customerGroups: string[];
};

describe('commercial terms: the lists and the account fields', () => {
  let t: TestApp;
  let admin: Client & { id: string };

  beforeAll(async () => {
    t = await createTestApp();
    await t.deps.imports.startWorkers();
    admin = await t.employee(['administrator']);
    for (const key of ['trade', 'vip'])
      expect((await admin.post('/api/customer-groups', { key, name: key })).statusCode).toBe(201);
  });
  afterAll(() => t.close());

  const db = () => t.deps.database.db;
  const ok = async (res: { statusCode: number; body: string; json<T>(): T }, status = 200) => {
    expect(res.statusCode, res.body).toBe(status);
    return res;
  };
  const audit = (entityType: string, entityId: string) =>
    db()
      .selectFrom('audit_log')
      .select(['action', 'before', 'after', 'actor_id'])
      .where('entity_type', '=', entityType)
      .where('entity_id', '=', entityId)
      .orderBy('id')
      .execute();

  describe('on a fresh install', () => {
    it('has empty lists, and the sign-up defaults can be set once the code is in its list', async () => {
      for (const list of ['payment-terms', 'price-groups', 'sales-reps'])
        expect((await ok(await admin.get(`/api/${list}`))).json()).toEqual({ items: [] });
      const before = await admin.patch('/api/settings', {
        registration: { newAccount: { defaults: { paymentTerms: 'NET30' } } },
      });
      expect(before.statusCode).toBe(422);
      expect(before.json().error.details).toEqual([
        {
          path: 'registration.newAccount.defaults.paymentTerms',
          message: 'Unknown payment terms “NET30”: add it under Settings → Customer data first',
        },
      ]);

      await ok(await admin.post('/api/payment-terms', { code: 'NET30', name: 'Net 30 days' }), 201);
      await ok(await admin.post('/api/price-groups', { code: 'B', name: 'Price list B' }), 201);
      await ok(await admin.post('/api/sales-reps', { code: 'R7', name: 'Robin Seven' }), 201);
      const saved = await ok(
        await admin.patch('/api/settings', {
          registration: {
            newAccount: {
              defaults: {
                paymentTerms: 'NET30',
                priceGroup: 'B',
                salesRepCode: 'R7',
                customerGroups: ['vip'],
              },
            },
          },
        }),
      );
      expect(
        saved.json<{ registration: { newAccount: { defaults: unknown } } }>().registration.newAccount
          .defaults,
      ).toEqual({
        paymentTerms: 'NET30',
        priceGroup: 'B',
        salesRepCode: 'R7',
        customerGroups: ['vip'],
      });
      const choices = (await ok(await admin.get('/api/settings/choices'))).json();
      expect(choices).toMatchObject({ paymentTerms: ['NET30'], priceGroups: ['B'], salesRepCodes: ['R7'] });
    });
  });

  describe('the lists', () => {
    it('adds, renames, deactivates a code, with audit entries', async () => {
      const created = await ok(
        await admin.post('/api/payment-terms', { code: 'NET60', name: 'Net 60' }),
        201,
      );
      expect(created.json()).toEqual({ code: 'NET60', name: 'Net 60', active: true, accountCount: 0 });
      const renamed = await ok(
        await admin.patch('/api/payment-terms/NET60', { name: 'Net 60 days', active: false }),
      );
      expect(renamed.json()).toEqual({ code: 'NET60', name: 'Net 60 days', active: false, accountCount: 0 });
      expect(
        (await admin.get('/api/payment-terms')).json().items.map((c: { code: string }) => c.code),
      ).toEqual(['NET30', 'NET60']);
      expect(await audit('payment_terms', 'NET60')).toEqual([
        {
          action: 'payment_terms.created',
          before: null,
          after: { code: 'NET60', name: 'Net 60', active: true },
          actor_id: admin.id,
        },
        {
          action: 'payment_terms.updated',
          before: { name: 'Net 60', active: true },
          after: { name: 'Net 60 days', active: false },
          actor_id: admin.id,
        },
      ]);
      // Inactive codes are not offered as sign-up defaults.
      expect((await admin.get('/api/settings/choices')).json().paymentTerms).toEqual(['NET30']);
    });

    it('refuses a code already in the list (409 on code), a bad code (400) and an unknown one (404)', async () => {
      const dup = await admin.post('/api/payment-terms', { code: 'NET30', name: 'Again' });
      expect(dup.statusCode).toBe(409);
      expect(dup.json().error.details).toEqual([{ path: 'code', message: 'Already in the list' }]);
      const bad = await admin.post('/api/sales-reps', { code: 'a/b', name: 'Slash' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details).toContainEqual({ path: 'code', message: expect.any(String) });
      const blank = await admin.post('/api/price-groups', { code: 'X', name: '  ' });
      expect(blank.statusCode).toBe(400);
      expect((await admin.patch('/api/price-groups/NOPE', { name: 'x' })).statusCode).toBe(404);
      expect((await admin.delete('/api/price-groups/NOPE')).statusCode).toBe(404);
    });
  });

  describe('accounts', () => {
    let account: Account;

    it('creates an account with its commercial terms and groups, and reads them back in detail and list', async () => {
      const res = await ok(
        await admin.post('/api/accounts', {
          kind: 'business',
          name: 'Terms Trading',
          paymentTerms: 'NET30',
          priceGroup: 'B',
          salesRepCode: 'R7',
          customerGroups: ['trade', 'vip'],
        }),
        201,
      );
      account = res.json<Account>();
      const expected = {
        paymentTerms: 'NET30',
        priceGroup: 'B',
        salesRepCode: 'R7',
        customerGroups: ['trade', 'vip'],
      };
      expect(account).toMatchObject(expected);
      expect((await ok(await admin.get(`/api/accounts/${account.id}`))).json()).toMatchObject(expected);
      const list = (await ok(await admin.get('/api/accounts?q=Terms Trading'))).json<{ items: Account[] }>();
      expect(list.items.find((a) => a.id === account.id)).toMatchObject(expected);
      const row = await db()
        .selectFrom('accounts')
        .selectAll()
        .where('id', '=', account.id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ payment_terms: 'NET30', price_group: 'B', sales_rep_code: 'R7' });
      const [created] = await audit('account', account.id);
      expect(created!.after).toMatchObject(expected);
    });

    it('refuses unknown codes and groups with 422 naming the field, storing nothing', async () => {
      const count = async () =>
        (
          await db()
            .selectFrom('accounts')
            .select(db().fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n;
      const before = await count();
      const terms = await admin.post('/api/accounts', {
        kind: 'business',
        name: 'Bad',
        paymentTerms: 'NET99',
      });
      expect(terms.statusCode).toBe(422);
      expect(terms.json().error.details).toEqual([
        {
          path: 'paymentTerms',
          message: 'Unknown payment terms “NET99”: add it under Settings → Customer data first',
        },
      ]);
      const two = await admin.post('/api/accounts', {
        kind: 'business',
        name: 'Bad',
        priceGroup: 'Z',
        salesRepCode: 'R0',
      });
      expect(two.statusCode).toBe(422);
      expect(two.json().error.details.map((d: { path: string }) => d.path)).toEqual([
        'priceGroup',
        'salesRepCode',
      ]);
      const group = await admin.post('/api/accounts', {
        kind: 'business',
        name: 'Bad',
        customerGroups: ['nope'],
      });
      expect(group.statusCode).toBe(422);
      expect(group.json().error.details).toEqual([
        { path: 'customerGroups', message: 'Unknown customer group: nope' },
      ]);
      expect(await count()).toBe(before);
      const patch = await admin.patch(`/api/accounts/${account.id}`, { salesRepCode: 'R0' });
      expect(patch.statusCode).toBe(422);
      expect(patch.json().error.details[0].path).toBe('salesRepCode');
    });

    it('changes the terms and groups with PATCH, auditing before and after', async () => {
      const res = await ok(
        await admin.patch(`/api/accounts/${account.id}`, { priceGroup: null, customerGroups: ['vip'] }),
      );
      expect(res.json()).toMatchObject({ paymentTerms: 'NET30', priceGroup: null, customerGroups: ['vip'] });
      const entries = await audit('account', account.id);
      expect(entries.at(-1)).toMatchObject({
        action: 'account.updated',
        before: { priceGroup: 'B', customerGroups: ['trade', 'vip'] },
        after: { priceGroup: null, customerGroups: ['vip'] },
      });
    });

    it('keeps an inactive code on an account that has it, but refuses to give it newly', async () => {
      await ok(await admin.patch('/api/payment-terms/NET30', { active: false }));
      const kept = await ok(
        await admin.patch(`/api/accounts/${account.id}`, {
          name: 'Terms Trading Ltd',
          paymentTerms: 'NET30',
        }),
      );
      expect(kept.json()).toMatchObject({ name: 'Terms Trading Ltd', paymentTerms: 'NET30' });
      const fresh = await admin.post('/api/accounts', {
        kind: 'business',
        name: 'New',
        paymentTerms: 'NET30',
      });
      expect(fresh.statusCode).toBe(422);
      expect(fresh.json().error.details).toEqual([
        { path: 'paymentTerms', message: 'The payment terms “NET30” is inactive and cannot be newly given' },
      ]);
      await ok(await admin.patch('/api/payment-terms/NET30', { active: true }));
    });
  });

  describe('deleting a code', () => {
    it('refuses a code in use with 409 and the number of accounts', async () => {
      await ok(
        await admin.post('/api/accounts', { kind: 'business', name: 'Second', paymentTerms: 'NET30' }),
        201,
      );
      const res = await admin.delete('/api/payment-terms/NET30');
      expect(res.statusCode).toBe(409);
      expect(res.json().error.message).toBe(
        '2 accounts have the payment terms “NET30”; move them to another payment terms first',
      );
      expect((await admin.get('/api/payment-terms')).json().items[0]).toMatchObject({
        code: 'NET30',
        accountCount: 2,
      });
    });

    it('refuses to move to an unknown, inactive or the same code (422 on moveTo)', async () => {
      for (const target of ['NOPE', 'NET60', 'NET30']) {
        const res = await admin.delete(`/api/payment-terms/NET30?moveTo=${target}`);
        expect(res.statusCode, target).toBe(422);
        expect(res.json().error.details[0].path).toBe('moveTo');
      }
    });

    it('moves the accounts to another code first, audited on each account, the code and the default', async () => {
      await ok(await admin.patch('/api/payment-terms/NET60', { active: true }));
      const users = await db()
        .selectFrom('accounts')
        .select('id')
        .where('payment_terms', '=', 'NET30')
        .execute();
      expect(users).toHaveLength(2);
      await ok(await admin.delete('/api/payment-terms/NET30?moveTo=NET60'), 204);
      expect(
        await db()
          .selectFrom('accounts')
          .select('id')
          .where('payment_terms', '=', 'NET60')
          .orderBy('id')
          .execute(),
      ).toEqual([...users].sort((a, b) => a.id.localeCompare(b.id)));
      for (const { id } of users)
        expect((await audit('account', id)).at(-1)).toMatchObject({
          action: 'account.updated',
          actor_id: admin.id,
          before: { paymentTerms: 'NET30' },
          after: { paymentTerms: 'NET60' },
        });
      expect((await audit('payment_terms', 'NET30')).at(-1)).toMatchObject({
        action: 'payment_terms.deleted',
        before: { code: 'NET30', name: 'Net 30 days', active: true },
        after: { accountsMovedTo: 'NET60', accounts: 2 },
      });
      const settings = (await admin.get('/api/settings')).json();
      expect(settings.registration.newAccount.defaults.paymentTerms).toBe('NET60');
      expect((await admin.get('/api/payment-terms')).json().items).toEqual([
        { code: 'NET60', name: 'Net 60 days', active: true, accountCount: 2 },
      ]);
    });

    it('deletes an unused code, clearing a sign-up default that named it', async () => {
      await ok(await admin.post('/api/sales-reps', { code: 'R9', name: 'Unused' }), 201);
      await ok(await admin.delete('/api/sales-reps/R9'), 204);
      expect((await admin.get('/api/sales-reps')).json().items.map((c: { code: string }) => c.code)).toEqual([
        'R7',
      ]);
      // R7 is the default and on one account: moving it to R8 keeps the default in step.
      await ok(await admin.post('/api/sales-reps', { code: 'R8', name: 'Eight' }), 201);
      await ok(await admin.delete('/api/sales-reps/R7?moveTo=R8'), 204);
      expect((await admin.get('/api/settings')).json().registration.newAccount.defaults.salesRepCode).toBe(
        'R8',
      );
      await ok(
        await admin.patch(
          '/api/accounts/' +
            (
              await db()
                .selectFrom('accounts')
                .select('id')
                .where('sales_rep_code', '=', 'R8')
                .executeTakeFirstOrThrow()
            ).id,
          { salesRepCode: null },
        ),
      );
      await ok(await admin.delete('/api/sales-reps/R8'), 204);
      expect(
        (await admin.get('/api/settings')).json().registration.newAccount.defaults.salesRepCode,
      ).toBeNull();
    });
  });

  describe('permissions', () => {
    it('lets whoever reads accounts or settings read the lists; writing needs settings.write', async () => {
      const viewer = await t.employee(['companyView']);
      const settingsEditor = await t.employee(['settingsEdit']);
      const auditor = await t.employee(['auditView']);
      await ok(await viewer.get('/api/price-groups'));
      await ok(await settingsEditor.get('/api/price-groups'));
      const denied = await auditor.get('/api/price-groups');
      expect(denied.statusCode).toBe(403);
      const write = await viewer.post('/api/price-groups', { code: 'V', name: 'Viewer' });
      expect(write.statusCode).toBe(403);
      expect(write.json().error.message).toContain('settings.write');
      expect((await viewer.patch('/api/price-groups/B', { name: 'x' })).statusCode).toBe(403);
      expect((await viewer.delete('/api/price-groups/B')).statusCode).toBe(403);
      await ok(await settingsEditor.post('/api/price-groups', { code: 'S', name: 'By settings' }), 201);
      expect((await t.anonymous.get('/api/price-groups')).statusCode).toBe(401);
    });

    it('lets an integration (API key with settingsEdit) write the lists, audited as the key', async () => {
      const key = await ok(await admin.post('/api/api-keys', { name: 'erp', roles: ['settingsEdit'] }), 201);
      const erp = clientFor(t.app, { authorization: `Bearer ${key.json<{ key: string }>().key}` });
      await ok(await erp.post('/api/price-groups', { code: 'ERP-1', name: 'From the ERP' }), 201);
      await ok(await erp.patch('/api/price-groups/ERP-1', { active: false }));
      const [created] = await audit('price_group', 'ERP-1');
      expect(created).toMatchObject({
        action: 'price_group.created',
        actor_id: key.json<{ id: string }>().id,
      });
    });
  });

  describe('accounts import', () => {
    async function importCsv(csv: string) {
      const res = await admin.upload('/api/imports', { type: 'accounts' }, [
        { field: 'file', filename: 'accounts.csv', content: csv },
      ]);
      await ok(res, 201);
      const { id } = res.json<ImportCreated>();
      await ok(await admin.post(`/api/imports/${id}/run`), 202);
      for (let i = 0; i < 400; i++) {
        const imp = (await admin.get(`/api/imports/${id}`)).json<Import>();
        if (['completed', 'failed', 'cancelled'].includes(imp.status)) return { id, imp };
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`import did not finish: ${(await admin.get(`/api/imports/${id}`)).body}`);
    }

    it('rejects rows whose codes are not in the lists, or inactive, with a clear message', async () => {
      const { id, imp } = await importCsv(
        [
          'Account number,Company name,Payment terms,Price group,Sales rep code',
          'IMP-1,Known Ltd,NET60,B,',
          'IMP-2,Unknown Terms Ltd,NET99,,',
          'IMP-3,Unknown Rep Ltd,,,R0',
          'IMP-4,Inactive Group Ltd,,ERP-1,',
        ].join('\n'),
      );
      expect(imp.counts).toMatchObject({ created: 1, rejected: 3 });
      const report = (await admin.get(`/api/imports/${id}/report`)).body;
      expect(report).toContain('Unknown payment terms NET99: add it under Settings → Customer data first');
      expect(report).toContain('Unknown sales rep R0');
      expect(report).toContain('The price group ERP-1 is inactive');
      const row = await db()
        .selectFrom('accounts')
        .selectAll()
        .where('number', '=', 'IMP-1')
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ payment_terms: 'NET60', price_group: 'B' });
      expect(await db().selectFrom('accounts').select('id').where('number', '=', 'IMP-2').execute()).toEqual(
        [],
      );
    });
  });
});
