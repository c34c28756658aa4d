import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Address } from '../../../contracts/addresses.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { countStatements } from '../../../../test/helpers/statements.ts';

const london = { line1: '10 Downing Street', city: 'London', postalCode: 'SW1A 2AA', country: 'GB' };
const berlin = { line1: 'Unter den Linden 1', city: 'Berlin', postalCode: '10117', country: 'DE' };

describe('a mandatory billing address keeps an account’s last one', () => {
  let t: TestApp;
  let admin: Client;
  let n = 0;
  const db = () => t.deps.database.db;

  const requireBilling = async (on: boolean) => {
    const res = await admin.patch('/api/settings', {
      requiredFields: { account: on ? ['billingAddress'] : [], contact: [] },
    });
    expect(res.statusCode, res.body).toBe(200);
  };
  /** An account with `billing` billing addresses and one shipping address; the base URL and addresses. */
  const accountWith = async (billing: number) => {
    const res = await admin.post('/api/accounts', {
      kind: 'business',
      name: `Billing ${++n}`,
      billingAddress: london,
    });
    expect(res.statusCode, res.body).toBe(201);
    const base = `/api/accounts/${res.json<{ id: string }>().id}/addresses`;
    for (let i = 1; i < billing; i++)
      expect((await admin.post(base, { type: 'billing', ...berlin })).statusCode).toBe(201);
    expect((await admin.post(base, { type: 'shipping', ...berlin })).statusCode).toBe(201);
    const items = (await admin.get(base)).json<{ items: Address[] }>().items;
    return {
      base,
      billing: items.filter((a) => a.type === 'billing'),
      shipping: items.find((a) => a.type === 'shipping')!,
    };
  };
  const billingIds = async (base: string) =>
    (await admin.get(base))
      .json<{ items: Address[] }>()
      .items.filter((a) => a.type === 'billing')
      .map((a) => a.id);

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
  });
  afterAll(() => t.close());

  it('deletes and re-types the last billing address while the rule is off', async () => {
    await requireBilling(false);
    const a = await accountWith(1);
    const retyped = await admin.patch(`${a.base}/${a.billing[0]!.id}`, { type: 'shipping' });
    expect(retyped.statusCode, retyped.body).toBe(200);
    expect(await billingIds(a.base)).toEqual([]);
    const b = await accountWith(1);
    expect((await admin.delete(`${b.base}/${b.billing[0]!.id}`)).statusCode).toBe(204);
    expect(await billingIds(b.base)).toEqual([]);
  });

  describe('while Settings make the billing address mandatory', () => {
    beforeAll(() => requireBilling(true));
    afterAll(() => requireBilling(false));

    it('refuses to delete the last billing address with 422 naming billingAddress, and keeps it', async () => {
      const a = await accountWith(2);
      expect((await admin.delete(`${a.base}/${a.billing[0]!.id}`)).statusCode).toBe(204);
      const last = a.billing[1]!;
      const res = await admin.delete(`${a.base}/${last.id}`);
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().error).toMatchObject({
        code: 'unprocessable',
        message: expect.stringMatching(/^Billing address is required: this is the account's last billing/),
        details: [{ path: 'billingAddress', message: 'Billing address is required' }],
      });
      expect(await billingIds(a.base)).toEqual([last.id]);
      // Nothing is audited for the refusal; the shipping address is still free to go.
      const audits = await db()
        .selectFrom('audit_log')
        .select('before')
        .where('action', '=', 'account.address.deleted')
        .execute();
      expect(audits.map((r) => (r.before as { id: string }).id)).not.toContain(last.id);
      expect((await admin.delete(`${a.base}/${a.shipping.id}`)).statusCode).toBe(204);
    });

    it('refuses to change the last billing address to shipping, but lets its lines change', async () => {
      const a = await accountWith(1);
      const last = a.billing[0]!;
      const res = await admin.patch(`${a.base}/${last.id}`, { type: 'shipping', city: 'Leeds' });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().error.details).toEqual([
        { path: 'billingAddress', message: 'Billing address is required' },
      ]);
      const stored = await db()
        .selectFrom('addresses')
        .selectAll()
        .where('id', '=', last.id)
        .executeTakeFirst();
      expect(stored).toMatchObject({ type: 'billing', is_default: true, city: 'London' });
      const lines = await admin.patch(`${a.base}/${last.id}`, { city: 'Leeds', type: 'billing' });
      expect(lines.statusCode, lines.body).toBe(200);
      // With a second billing address the first may move to shipping.
      expect((await admin.post(a.base, { type: 'billing', ...berlin })).statusCode).toBe(201);
      const moved = await admin.patch(`${a.base}/${last.id}`, { type: 'shipping' });
      expect(moved.statusCode, moved.body).toBe(200);
      expect(await billingIds(a.base)).toHaveLength(1);
    });

    it('lets exactly one of two concurrent deletes of the last two billing addresses through', async () => {
      const a = await accountWith(2);
      const racing = await Promise.all(a.billing.map((b) => admin.delete(`${a.base}/${b.id}`)));
      expect(racing.map((r) => r.statusCode).sort()).toEqual([204, 422]);
      expect(await billingIds(a.base)).toHaveLength(1);
      const b = await accountWith(2);
      const mixed = await Promise.all([
        admin.delete(`${b.base}/${b.billing[0]!.id}`),
        admin.patch(`${b.base}/${b.billing[1]!.id}`, { type: 'shipping' }),
      ]);
      expect(mixed.filter((r) => r.statusCode === 422)).toHaveLength(1);
      expect(mixed.filter((r) => r.statusCode === 204 || r.statusCode === 200)).toHaveLength(1);
      expect(await billingIds(b.base)).toHaveLength(1);
    });

    it('does not apply to contacts’ address books', async () => {
      const account = await accountWith(1);
      const accountId = account.base.split('/')[3]!;
      const contact = await admin.post(`/api/accounts/${accountId}/contacts`, {
        email: `billing${++n}@example.com`,
        firstName: 'Ada',
        lastName: 'Book',
      });
      expect(contact.statusCode, contact.body).toBe(201);
      const base = `/api/contacts/${contact.json<{ id: string }>().id}/addresses`;
      const added = await admin.post(base, { type: 'billing', ...london });
      expect(added.statusCode, added.body).toBe(201);
      expect((await admin.delete(`${base}/${added.json<Address>().id}`)).statusCode).toBe(204);
    });
  });

  it('checks the rule inside the delete itself: as many statements with the rule on as off', async () => {
    const count = async () => {
      const a = await accountWith(2);
      const log = await countStatements(() => admin.delete(`${a.base}/${a.billing[1]!.id}`));
      expect(log.result.statusCode, log.result.body).toBe(204);
      return log.queries.length;
    };
    await requireBilling(false);
    const off = await count();
    await requireBilling(true);
    const on = await count();
    await requireBilling(false);
    expect(on).toBe(off);
  });
});
