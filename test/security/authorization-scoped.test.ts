import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissionsOf } from '../../src/contracts/permissions.ts';
import type { RequestContext } from '../../src/server/http/context.ts';
import { listEmails } from '../../src/server/modules/emails/emails.service.ts';
import { addContactWithWelcome, createTestApp, type Client, type TestApp } from '../helpers/app.ts';

/** What crmCompany* employees (restricted to assigned accounts) find in lists and in indirect resources. */
describe('scoped employees never reach a foreign account’s rows', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let view: Client & { id: string };
  let edit: Client & { id: string };
  const f = { accountA: '', accountB: '', contactA: '', contactB: '', group: '', emailA: '', emailB: '' };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    const post = async (url: string, body: unknown, status = 201) => {
      const res = await admin.post(url, body);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(status);
      return res.json<{ id: string }>();
    };
    f.accountA = (await post('/api/accounts', { kind: 'business', name: 'Alpha Assigned' })).id;
    f.accountB = (await post('/api/accounts', { kind: 'business', name: 'Beta Foreign' })).id;
    f.contactA = (await addContactWithWelcome(t, admin, f.accountA, 'alpha.person@scope.test')).id;
    f.contactB = (await addContactWithWelcome(t, admin, f.accountB, 'beta.person@scope.test')).id;
    const emails = (await admin.get('/api/emails')).json<{ items: { id: string; contactId: string }[] }>()
      .items;
    f.emailA = emails.find((e) => e.contactId === f.contactA)!.id;
    f.emailB = emails.find((e) => e.contactId === f.contactB)!.id;
    for (const [account, number] of [
      [f.accountA, 'INV-A-1'],
      [f.accountB, 'INV-B-1'],
    ] as const)
      await post('/api/invoices', {
        number,
        accountId: account,
        date: '2026-01-02',
        amount: 5,
        currency: 'EUR',
      });
    f.group = (await post('/api/customer-groups', { key: 'wholesale', name: 'Wholesale' })).id;
    await post(`/api/customer-groups/${f.group}/members`, { contactIds: [f.contactA, f.contactB] }, 200);
    await post(`/api/customer-groups/${f.group}/members`, { accountIds: [f.accountA, f.accountB] }, 200);
    [view, edit] = await Promise.all([
      t.employee(['crmCompanyView'], { assignedAccountIds: [f.accountA] }),
      t.employee(['crmCompanyEdit'], { assignedAccountIds: [f.accountA] }),
    ]);
  });
  afterAll(() => t.close());

  const items = async (client: Client, url: string) => {
    const res = await client.get(url);
    expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    return res.json<{ items: Record<string, unknown>[] }>().items;
  };

  it('refuses a crmCompanyEdit employee the seller-wide customer group writes, naming the permission', async () => {
    const before = await t.deps.database.db
      .selectFrom('customer_groups')
      .select(['password_hash', 'name'])
      .where('id', '=', f.group)
      .executeTakeFirstOrThrow();
    const attempts = [
      () => edit.patch(`/api/customer-groups/${f.group}`, { password: 'taken-over-by-a-rep-1' }),
      () => edit.patch(`/api/customer-groups/${f.group}`, { name: 'Renamed by a rep' }),
      () => edit.delete(`/api/customer-groups/${f.group}?moveTo=other`),
      () => edit.post(`/api/customer-groups/${f.group}/members/remove`, { contactIds: [f.contactB] }),
      () => edit.post(`/api/customer-groups/${f.group}/members`, { contactIds: [f.contactA] }),
      () => edit.post('/api/customer-groups', { key: 'reps-own', name: 'Reps' }),
    ];
    for (const attempt of attempts) {
      const res = await attempt();
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().error).toEqual({
        code: 'forbidden',
        message: 'You need the "customerGroups.write" permission',
        details: { permission: 'customerGroups.write' },
      });
    }
    const db = t.deps.database.db;
    const after = await db
      .selectFrom('customer_groups')
      .select(['password_hash', 'name'])
      .where('id', '=', f.group)
      .executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    const members = await db
      .selectFrom('contact_customer_groups')
      .select('contact_id')
      .where('customer_group_id', '=', f.group)
      .execute();
    expect(members.map((m) => m.contact_id).sort()).toEqual([f.contactA, f.contactB].sort());
    expect(
      await db.selectFrom('customer_groups').select('id').where('key', '=', 'reps-own').execute(),
    ).toEqual([]);
    // The portal shows group editing from the session's permissions.
    const session = (await edit.get('/api/session')).json<{ permissions: string[] }>();
    expect(session.permissions).toContain('customerGroups.read');
    expect(session.permissions).not.toContain('customerGroups.write');
    expect(permissionsOf(['companyEdit']).has('customerGroups.write')).toBe(true);
  });

  it('lists none of the foreign account’s accounts, contacts or invoices', async () => {
    for (const client of [view, edit]) {
      expect((await items(client, '/api/accounts?limit=200')).map((a) => a.id)).toEqual([f.accountA]);
      const contacts = (await items(client, '/api/contacts?limit=200')).map((c) => c.id);
      expect(contacts).toEqual([f.contactA]);
      for (const q of ['beta', 'person', 'scope.test'])
        expect((await items(client, `/api/contacts?q=${q}`)).map((c) => c.id)).not.toContain(f.contactB);
      expect((await items(client, `/api/accounts/${f.accountA}/contacts`)).map((c) => c.id)).toEqual([
        f.contactA,
      ]);
      expect((await items(client, `/api/accounts/${f.accountA}/invoices`)).map((i) => i.number)).toEqual([
        'INV-A-1',
      ]);
      expect((await client.get(`/api/accounts/${f.accountB}/invoices`)).statusCode).toBe(404);
    }
  });

  it('counts only the customer group members of assigned accounts, and reads no foreign contact', async () => {
    for (const client of [view, edit]) {
      const contact = (await client.get(`/api/contacts/${f.contactA}`)).json<{
        accounts: { id: string }[];
      }>();
      expect(contact.accounts.map((a) => a.id)).toEqual([f.accountA]);
      expect((await client.get(`/api/contacts/${f.contactB}`)).statusCode).toBe(404);
      // The group is seller-wide, but its members from the foreign account are not counted for them.
      const group = (await client.get(`/api/customer-groups/${f.group}`)).json();
      expect(group).toMatchObject({ id: f.group, contactCount: 1, accountCount: 1 });
      const listed = (await items(client, '/api/customer-groups')).find((g) => g.id === f.group);
      expect(listed).toMatchObject({ contactCount: 1, accountCount: 1 });
    }
    const whole = (await admin.get(`/api/customer-groups/${f.group}`)).json();
    expect(whole).toMatchObject({ contactCount: 2, accountCount: 2 });
  });

  it('keeps the audit history of a foreign account or contact out of reach, and lists only the asked entity', async () => {
    for (const client of [view, edit]) {
      const own = await items(client, `/api/audit?entityType=account&entityId=${f.accountA}&limit=200`);
      expect(own.length).toBeGreaterThan(0);
      expect(own.every((e) => e.entityType === 'account' && e.entityId === f.accountA)).toBe(true);
      const ownContact = await items(
        client,
        `/api/audit?entityType=contact&entityId=${f.contactA}&limit=200`,
      );
      expect(ownContact.every((e) => e.entityId === f.contactA)).toBe(true);
      for (const url of [
        `/api/audit?entityType=account&entityId=${f.accountB}`,
        `/api/audit?entityType=contact&entityId=${f.contactB}`,
      ])
        expect((await client.get(url)).statusCode, url).toBe(404);
      const all = await client.get('/api/audit');
      expect(all.statusCode).toBe(403);
      expect(all.json().error.details).toEqual({ permission: 'audit.read' });
      const byType = await client.get('/api/audit?entityType=customerGroup');
      expect(byType.statusCode).toBe(403);
    }
  });

  it('finds no duplicate among the foreign account’s contacts', async () => {
    for (const client of [view, edit]) {
      const byEmail = (await client.get('/api/contacts/duplicates?email=beta.person@scope.test')).json();
      expect(byEmail).toEqual({ sameEmail: null, sameNameOnAccount: [] });
      const byName = await client.get(`/api/contacts/duplicates?lastName=Come&accountId=${f.accountB}`);
      expect(byName.json()).toEqual({ sameEmail: null, sameNameOnAccount: [] });
      const own = (await client.get('/api/contacts/duplicates?email=alpha.person@scope.test')).json();
      expect(own.sameEmail.id).toBe(f.contactA);
    }
  });

  it('sends no email to a foreign contact, one by one or many at once, and resends none of theirs', async () => {
    const db = t.deps.database.db;
    const count = async () =>
      (await db.selectFrom('emails').select('id').where('contact_id', '=', f.contactB).execute()).length;
    const sent = await count();
    const one = await edit.post(`/api/contacts/${f.contactB}/password-reset`);
    expect(one.statusCode).toBe(404);
    const many = await edit.post('/api/contacts/emails', {
      contactIds: [f.contactA, f.contactB],
      kind: 'password-reset',
    });
    expect(many.statusCode).toBe(202);
    expect(many.json().results).toEqual([
      expect.objectContaining({ contactId: f.contactA, status: expect.stringMatching(/queued|captured/) }),
      { contactId: f.contactB, status: 'not_found', emailId: null },
    ]);
    const resend = await edit.post(`/api/emails/${f.emailB}/resend`);
    expect(resend.statusCode, resend.body).toBe(404);
    expect(await count()).toBe(sent);
    const ownResend = await edit.post(`/api/emails/${f.emailA}/resend`);
    expect(ownResend.statusCode, ownResend.body).toBe(202);
  });

  it('lists only emails to contacts of assigned accounts for a scoped actor that may read emails', async () => {
    // No role grants emails.read to a scoped employee today; the service filters all the same.
    const ctx: RequestContext = {
      ...t.system,
      actor: {
        type: 'employee',
        id: view.id,
        label: 'scoped reader',
        roles: ['crmCompanyView'],
        permissions: permissionsOf(['crmCompanyView', 'customerView']),
        restrictToAssigned: true,
      },
    };
    const listed = await listEmails(t.deps.database.db, ctx, { limit: 200 });
    expect(listed.items.length).toBeGreaterThan(0);
    expect(listed.items.every((e) => e.contactId === f.contactA)).toBe(true);
    const all = await listEmails(t.deps.database.db, t.system, { limit: 200 });
    expect(all.items.map((e) => e.contactId)).toContain(f.contactB);
  });

  it('adds no contact to a foreign account in bulk, and leaves an existing foreign contact alone', async () => {
    const toB = await edit.post('/api/contacts/bulk', {
      accountId: f.accountB,
      text: 'bulk.sneaky@scope.test,Bulk,Sneaky',
    });
    expect(toB.statusCode).toBe(404);
    const existing = await edit.post('/api/contacts/bulk', {
      accountId: f.accountA,
      text: 'beta.person@scope.test,Beta,Person',
    });
    expect(existing.statusCode, existing.body).toBe(200);
    const line = existing.json().results[0];
    // Emails are unique in the store, so the line says it exists, but neither names nor touches the contact.
    expect(line.status).toBe('exists');
    expect(line.contactId).toBeUndefined();
    expect(line.error).toMatch(/account you cannot reach/);
    const db = t.deps.database.db;
    expect(
      await db.selectFrom('contacts').select('id').where('email', '=', 'bulk.sneaky@scope.test').execute(),
    ).toEqual([]);
    const links = await db
      .selectFrom('contact_accounts')
      .select('account_id')
      .where('contact_id', '=', f.contactB)
      .execute();
    expect(links).toEqual([{ account_id: f.accountB }]);
  });
});
