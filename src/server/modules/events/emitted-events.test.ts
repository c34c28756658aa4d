import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REGISTRATION } from '../../../contracts/registration.ts';
import { writeSetting } from '../settings/settings.repository.ts';
import { createTestApp, type TestApp } from '../../../../test/helpers/app.ts';
import { countStatements } from '../../../../test/helpers/statements.ts';

/** What the existing writes record in the events outbox, in the same transaction as the change. */
describe('events recorded by the writes', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<TestApp['employee']>>;
  let n = 0;

  beforeAll(async () => {
    t = await createTestApp();
    await t.deps.imports.startWorkers();
    admin = await t.employee(['administrator']);
  });
  afterAll(() => t.close());

  const db = () => t.deps.database.db;
  const eventsAfter = async (seq: string) =>
    (
      await db()
        .selectFrom('events')
        .select(['type', 'account_id', 'data', 'seq'])
        .where('seq', '>', seq)
        .orderBy('seq')
        .execute()
    ).map(({ type, account_id, data }) => ({ type, accountId: account_id, data }));
  const mark = async () =>
    (
      await db()
        .selectFrom('events')
        .select((eb) => eb.fn.coalesce(eb.fn.max('seq'), eb.val('0')).as('seq'))
        .executeTakeFirstOrThrow()
    ).seq;

  it('records account.created and account.updated with the account as the API shows it', async () => {
    const from = await mark();
    const account = (await admin.post('/api/accounts', { kind: 'business', name: 'Evented Co' })).json<{
      id: string;
      number: string;
    }>();
    await admin.patch(`/api/accounts/${account.id}`, { name: 'Evented Company' });
    // Nothing changed: no event.
    await admin.patch(`/api/accounts/${account.id}`, { name: 'Evented Company' });
    expect(await eventsAfter(from)).toEqual([
      {
        type: 'account.created',
        accountId: account.id,
        data: expect.objectContaining({ id: account.id, number: account.number, name: 'Evented Co' }),
      },
      {
        type: 'account.updated',
        accountId: account.id,
        data: expect.objectContaining({ id: account.id, name: 'Evented Company', changed: ['name'] }),
      },
    ]);
  });

  it('records no event for a write that fails', async () => {
    const from = await mark();
    const res = await admin.post('/api/accounts', { kind: 'business', name: 'X', paymentTerms: 'NOPE' });
    expect(res.statusCode).toBe(422);
    expect(await eventsAfter(from)).toEqual([]);
  });

  it('records contact.created and contact.updated, ordered with the primary account, without any password', async () => {
    const account = (await admin.post('/api/accounts', { kind: 'business', name: 'Contact Co' })).json<{
      id: string;
    }>();
    const from = await mark();
    const created = await admin.post(`/api/accounts/${account.id}/contacts`, {
      email: 'evented@contact.test',
      firstName: 'Eve',
      lastName: 'Ent',
      login: { mode: 'generated-password' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const contact = created.json<{ id: string; password: string }>();
    await admin.patch(`/api/contacts/${contact.id}`, { phone: '+44 20 7946 0000' });
    const events = await eventsAfter(from);
    expect(events).toEqual([
      {
        type: 'contact.created',
        accountId: account.id,
        data: expect.objectContaining({
          id: contact.id,
          email: 'evented@contact.test',
          account: expect.objectContaining({ id: account.id }),
        }),
      },
      {
        type: 'contact.updated',
        accountId: account.id,
        data: expect.objectContaining({ id: contact.id, phone: '+44 20 7946 0000', changed: ['phone'] }),
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(contact.password);
  });

  it('records contacts added in bulk, and their personal accounts', async () => {
    const account = (await admin.post('/api/accounts', { kind: 'business', name: 'Bulk Events' })).json<{
      id: string;
    }>();
    const from = await mark();
    const res = await admin.post('/api/contacts/bulk', {
      accountId: account.id,
      text: 'one@bulk-events.test, One, Bulk\ntwo@bulk-events.test, Two, Bulk',
    });
    expect(res.statusCode, res.body).toBe(200);
    const events = await eventsAfter(from);
    expect(events.map((e) => [e.type, (e.data as { email: string }).email, e.accountId])).toEqual([
      ['contact.created', 'one@bulk-events.test', account.id],
      ['contact.created', 'two@bulk-events.test', account.id],
    ]);
  });

  it('records account.approved and account.rejected', async () => {
    const pending = async () => {
      const res = await admin.post('/api/accounts', {
        kind: 'business',
        name: `Pending ${++n}`,
        status: 'pending',
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: string }>().id;
    };
    const a = await pending();
    const b = await pending();
    const from = await mark();
    expect((await admin.post(`/api/accounts/${a}/approve`)).statusCode).toBe(200);
    expect((await admin.post(`/api/accounts/${b}/reject`, { reason: 'Not a business' })).statusCode).toBe(
      200,
    );
    expect(await eventsAfter(from)).toEqual([
      { type: 'account.approved', accountId: a, data: expect.objectContaining({ id: a, status: 'active' }) },
      {
        type: 'account.rejected',
        accountId: b,
        data: expect.objectContaining({ id: b, status: 'disabled', reason: 'Not a business' }),
      },
    ]);
  });

  it('records an account and its contact for a storefront sign-up', async () => {
    await writeSetting(db(), t.deps.scopeId, 'registration', {
      ...DEFAULT_REGISTRATION,
      newAccount: { ...DEFAULT_REGISTRATION.newAccount, enabled: true, access: 'immediate' },
    });
    const from = await mark();
    const res = await t.anonymous.post('/api/store/register', {
      kind: 'business',
      companyName: 'Signed Up Ltd',
      firstName: 'Sig',
      lastName: 'Nup',
      email: 'sig.nup@store-events.test',
      billingAddress: { line1: '1 Road', city: 'Portland', postalCode: '97201', region: 'OR', country: 'US' },
      password: 'a long storefront password',
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
    const events = await eventsAfter(from);
    expect(events.map((e) => e.type)).toEqual(['account.created', 'contact.created']);
    expect(events[0]!.data).toMatchObject({ name: 'Signed Up Ltd' });
    expect(events[1]).toMatchObject({
      accountId: events[0]!.accountId,
      data: { email: 'sig.nup@store-events.test' },
    });
  });

  it('records an import’s creations and changes set-based, and nothing for a second run of the same file', async () => {
    const runImport = async (text: string) => {
      const created = await admin.post('/api/imports/text', { type: 'accounts', text });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json<{ id: string }>().id;
      expect((await admin.post(`/api/imports/${id}/run`)).statusCode).toBe(202);
      for (let i = 0; i < 400; i++) {
        const status = (await admin.get(`/api/imports/${id}`)).json<{ status: string }>().status;
        if (['completed', 'failed', 'cancelled'].includes(status)) return status;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the import did not finish');
    };
    const from = await mark();
    const csv = 'Account number,Company name\nEV-1,Imported One\nEV-2,Imported Two\n';
    expect(await runImport(csv)).toBe('completed');
    const first = await eventsAfter(from);
    expect(first.map((e) => [e.type, (e.data as { number: string }).number])).toEqual([
      ['account.created', 'EV-1'],
      ['account.created', 'EV-2'],
    ]);
    expect(first[0]!.accountId).toBe((first[0]!.data as { id: string }).id);
    const second = await mark();
    expect(await runImport(csv)).toBe('completed');
    expect(await eventsAfter(second)).toEqual([]);
    expect(await runImport('Account number,Company name\nEV-1,Imported One Renamed\n')).toBe('completed');
    expect(await eventsAfter(second)).toEqual([
      {
        type: 'account.updated',
        accountId: first[0]!.accountId,
        data: expect.objectContaining({ number: 'EV-1', name: 'Imported One Renamed', changed: ['name'] }),
      },
    ]);
  });

  it('records account.updated and contact.updated for address changes, each in the transaction of its change', async () => {
    const account = (await admin.post('/api/accounts', { kind: 'business', name: 'Addressed' })).json<{
      id: string;
    }>();
    const contact = (
      await admin.post(`/api/accounts/${account.id}/contacts`, {
        email: 'addressed@events.test',
        firstName: 'Ad',
        lastName: 'Dressed',
      })
    ).json<{ id: string }>();
    const from = await mark();
    const address = {
      type: 'shipping',
      line1: '1 Event Road',
      city: 'Berlin',
      postalCode: '10115',
      country: 'DE',
    };
    const added = await admin.post(`/api/accounts/${account.id}/addresses`, address);
    expect(added.statusCode, added.body).toBe(201);
    const addressId = added.json<{ id: string }>().id;
    expect(
      (await admin.patch(`/api/accounts/${account.id}/addresses/${addressId}`, { city: 'Bonn' })).statusCode,
    ).toBe(200);
    // Nothing changed: no event.
    expect(
      (await admin.patch(`/api/accounts/${account.id}/addresses/${addressId}`, { city: 'Bonn' })).statusCode,
    ).toBe(200);
    // Refused (bad postal code): no event.
    expect(
      (await admin.patch(`/api/accounts/${account.id}/addresses/${addressId}`, { postalCode: 'x' }))
        .statusCode,
    ).toBe(422);
    expect((await admin.delete(`/api/accounts/${account.id}/addresses/${addressId}`)).statusCode).toBe(204);
    const contactAddress = await admin.post(`/api/contacts/${contact.id}/addresses`, address);
    expect(contactAddress.statusCode, contactAddress.body).toBe(201);
    const events = await eventsAfter(from);
    expect(events.map((e) => [e.type, e.accountId, (e.data as { changed: string[] }).changed])).toEqual([
      ['account.updated', account.id, ['addresses']],
      ['account.updated', account.id, ['addresses']],
      ['account.updated', account.id, ['addresses']],
      ['contact.updated', account.id, ['addresses']],
    ]);
    expect(events[0]!.data).toMatchObject({ id: account.id, name: 'Addressed' });
    expect(events[3]!.data).toMatchObject({
      id: contact.id,
      email: 'addressed@events.test',
      account: { id: account.id },
    });
  });

  it('records updates for every account and contact added to or taken out of a customer group, set-based', async () => {
    const group = (await admin.post('/api/customer-groups', { key: 'evented', name: 'Evented' })).json<{
      id: string;
    }>();
    const ids: string[] = [];
    for (const name of ['Grouped One', 'Grouped Two'])
      ids.push((await admin.post('/api/accounts', { kind: 'business', name })).json<{ id: string }>().id);
    const contact = (
      await admin.post(`/api/accounts/${ids[0]}/contacts`, {
        email: 'grouped@events.test',
        firstName: 'Gr',
        lastName: 'Ouped',
      })
    ).json<{ id: string }>();
    const from = await mark();
    // Refused as a whole (an unknown id): no event.
    const refused = await admin.post(`/api/customer-groups/${group.id}/members`, {
      accountIds: [ids[0], '00000000-0000-4000-8000-000000000000'],
    });
    expect(refused.statusCode).toBe(422);
    expect(await eventsAfter(from)).toEqual([]);
    const { result, queries } = await countStatements(() =>
      admin.post(`/api/customer-groups/${group.id}/members`, { accountIds: ids, contactIds: [contact.id] }),
    );
    expect(result.statusCode, result.body).toBe(200);
    // Three events, in two statements (one per kind).
    expect(queries.filter((q) => /insert into events/i.test(q))).toHaveLength(2);
    // Already members: nothing changes, no event.
    const second = await mark();
    expect(
      (await admin.post(`/api/customer-groups/${group.id}/members`, { accountIds: ids })).statusCode,
    ).toBe(200);
    expect(await eventsAfter(second)).toEqual([]);
    expect(
      (await admin.post(`/api/customer-groups/${group.id}/members/remove`, { accountIds: [ids[1]] }))
        .statusCode,
    ).toBe(200);
    const events = await eventsAfter(from);
    const sorted = [...ids].sort();
    expect(
      events.map((e) => [e.type, (e.data as { id: string }).id, (e.data as { changed: string[] }).changed]),
    ).toEqual([
      ['account.updated', sorted[0], ['customerGroups']],
      ['account.updated', sorted[1], ['customerGroups']],
      ['contact.updated', contact.id, ['customerGroups']],
      ['account.updated', ids[1], ['customerGroups']],
    ]);
  });

  it('records updates for the members a deleted group moves to another, and none for an empty group', async () => {
    const from = (await admin.post('/api/customer-groups', { key: 'leaving', name: 'Leaving' })).json<{
      id: string;
    }>();
    await admin.post('/api/customer-groups', { key: 'staying', name: 'Staying' });
    const empty = (await admin.post('/api/customer-groups', { key: 'empty', name: 'Empty' })).json<{
      id: string;
    }>();
    const account = (await admin.post('/api/accounts', { kind: 'business', name: 'Moved Along' })).json<{
      id: string;
    }>();
    const contact = (
      await admin.post(`/api/accounts/${account.id}/contacts`, {
        email: 'moved@events.test',
        firstName: 'Mo',
        lastName: 'Ved',
      })
    ).json<{ id: string }>();
    await admin.post(`/api/customer-groups/${from.id}/members`, {
      accountIds: [account.id],
      contactIds: [contact.id],
    });
    const before = await mark();
    expect((await admin.delete(`/api/customer-groups/${empty.id}`)).statusCode).toBe(204);
    expect(await eventsAfter(before)).toEqual([]);
    expect((await admin.delete(`/api/customer-groups/${from.id}?moveTo=staying`)).statusCode).toBe(204);
    const events = await eventsAfter(before);
    expect(
      events.map((e) => [e.type, (e.data as { id: string }).id, (e.data as { changed: string[] }).changed]),
    ).toEqual([
      ['account.updated', account.id, ['customerGroups']],
      ['contact.updated', contact.id, ['customerGroups']],
    ]);
  });
});
