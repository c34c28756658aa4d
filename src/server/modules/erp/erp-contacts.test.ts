import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectErp } from './erp.test-helpers.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

type ContactBody = {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  workPhone: string | null;
  language: string;
  hasLogin: boolean;
  account: { id: string } | null;
  accounts: { id: string }[];
  attributes: Record<string, unknown>;
  password?: string;
};
type Result = { status: string; contact: ContactBody };

describe('PUT /api/erp/accounts/{erpNumber}/contacts/{email}', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let erp: Client;
  let accountId: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    ({ erp } = await connectErp(t, admin));
    const account = await erp.put('/api/erp/accounts/K-1', { name: 'Contact Owner GmbH' });
    expect(account.statusCode, account.body).toBe(201);
    accountId = account.json<{ account: { id: string } }>().account.id;
    const attribute = await admin.post('/api/attributes', {
      entity: 'contact',
      key: 'seats',
      type: 'number',
      label: 'Seats',
    });
    expect(attribute.statusCode, attribute.body).toBe(201);
  });
  afterAll(() => t.close());

  const auditOf = (id: string) =>
    t.deps.database.db
      .selectFrom('audit_log')
      .select(['action', 'source'])
      .where('entity_id', '=', id)
      .orderBy('at')
      .orderBy('id')
      .execute();
  const contactRows = (email: string) =>
    t.deps.database.db
      .selectFrom('contacts')
      .select(['id', 'password_hash'])
      .where('email', 'ilike', email)
      .execute();

  it('creates the contact on the account without a login; the same request again changes nothing', async () => {
    const body = {
      firstName: 'Erna',
      lastName: 'Erp',
      phone: '+49 30 1234',
      workPhone: '+49 30 9999',
      language: 'en',
      attributes: { seats: 3 },
    };
    const res = await erp.put('/api/erp/accounts/K-1/contacts/erna@erp.test', body);
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json<Result>();
    expect(created).toMatchObject({
      status: 'created',
      contact: {
        email: 'erna@erp.test',
        firstName: 'Erna',
        lastName: 'Erp',
        phone: '+49 30 1234',
        workPhone: '+49 30 9999',
        language: 'en',
        hasLogin: false,
        account: { id: accountId },
        attributes: { seats: 3 },
      },
    });
    const id = created.contact.id;
    const audit = await auditOf(id);
    expect(audit).toEqual([{ action: 'contact.created', source: 'erp' }]);
    const emails = await t.deps.database.db
      .selectFrom('emails')
      .select('id')
      .where('contact_id', '=', created.contact.id)
      .execute();
    expect(emails).toEqual([]);

    const again = await erp.put('/api/erp/accounts/k-1/contacts/ERNA@erp.test', body);
    expect(again.statusCode).toBe(200);
    expect(again.json<Result>()).toMatchObject({ status: 'unchanged', contact: { id } });
    expect(await auditOf(id)).toEqual(audit);

    const renamed = await erp.put('/api/erp/accounts/K-1/contacts/erna@erp.test', {
      firstName: 'Erna',
      lastName: 'Erp-Weber',
    });
    expect(renamed.statusCode).toBe(200);
    // Only the fields sent change: the phones, language and attributes stay.
    expect(renamed.json<Result>()).toMatchObject({
      status: 'updated',
      contact: { lastName: 'Erp-Weber', phone: '+49 30 1234', attributes: { seats: 3 } },
    });
    expect((await auditOf(id)).slice(audit.length)).toEqual([{ action: 'contact.updated', source: 'erp' }]);
    const events = await t.deps.database.db
      .selectFrom('events')
      .select('type')
      .where('type', 'like', 'contact.%')
      .where(sql<boolean>`data->>'id' = ${id}`)
      .orderBy('seq')
      .execute();
    expect(events.map((e) => e.type)).toEqual(['contact.created', 'contact.updated']);
  });

  it('links a contact of another account to this one as well, without moving it', async () => {
    const other = (await admin.post('/api/accounts', { kind: 'business', name: 'First Home Ltd' })).json<{
      id: string;
    }>();
    const existing = await admin.post(`/api/accounts/${other.id}/contacts`, {
      email: 'Moved.Not@erp.test',
      firstName: 'Nora',
      lastName: 'Notmoved',
    });
    expect(existing.statusCode, existing.body).toBe(201);
    const id = existing.json<ContactBody>().id;
    const before = await auditOf(id);
    const body = { firstName: 'Nora', lastName: 'Notmoved' };
    const res = await erp.put('/api/erp/accounts/K-1/contacts/moved.not@erp.test', body);
    expect(res.statusCode, res.body).toBe(200);
    const linked = res.json<Result>();
    expect(linked.status).toBe('updated');
    expect(linked.contact).toMatchObject({ id, email: 'Moved.Not@erp.test', account: { id: other.id } });
    expect(linked.contact.accounts.map((a) => a.id).sort()).toEqual([other.id, accountId].sort());
    expect((await auditOf(id)).slice(before.length)).toEqual([
      { action: 'contact.account_added', source: 'erp' },
    ]);
    const again = await erp.put('/api/erp/accounts/K-1/contacts/moved.not@erp.test', body);
    expect(again.json<Result>().status).toBe('unchanged');
    expect((await auditOf(id)).length).toBe(before.length + 1);
  });

  it('gives a login only when asked: a generated password is returned once', async () => {
    const res = await erp.put('/api/erp/accounts/K-1/contacts/login@erp.test', {
      firstName: 'Lo',
      lastName: 'Gin',
      login: { mode: 'generated-password' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json<Result>();
    expect(created.contact.hasLogin).toBe(true);
    expect(created.contact.password).toEqual(expect.any(String));
    const [row] = await contactRows('login@erp.test');
    expect(row!.password_hash).not.toContain(created.contact.password);
    // On an existing contact the login is not touched, and the answer carries no password.
    const again = await erp.put('/api/erp/accounts/K-1/contacts/login@erp.test', {
      firstName: 'Lo',
      lastName: 'Gin',
      login: { mode: 'generated-password' },
    });
    expect(again.json<Result>().status).toBe('unchanged');
    expect(again.json<Result>().contact.password).toBeUndefined();
    expect((await contactRows('login@erp.test'))[0]!.password_hash).toBe(row!.password_hash);
  });

  it('refuses bad fields naming them, with the contact API’s messages, and stores nothing', async () => {
    const language = await erp.put('/api/erp/accounts/K-1/contacts/bad1@erp.test', {
      firstName: 'Bad',
      lastName: 'Language',
      language: 'xx',
    });
    expect(language.statusCode).toBe(422);
    expect((language.json().error.details as { path: string }[]).map((d) => d.path)).toEqual(['language']);
    const attribute = await erp.put('/api/erp/accounts/K-1/contacts/bad2@erp.test', {
      firstName: 'Bad',
      lastName: 'Attribute',
      attributes: { seats: 'many' },
    });
    expect(attribute.statusCode).toBe(422);
    expect((attribute.json().error.details as { path: string }[]).map((d) => d.path)).toEqual([
      'attributes.seats',
    ]);
    const unknown = await erp.put('/api/erp/accounts/K-1/contacts/bad3@erp.test', {
      firstName: 'Bad',
      lastName: 'Attribute',
      attributes: { nope: 1 },
    });
    expect(unknown.statusCode).toBe(422);
    expect((unknown.json().error.details as { path: string }[])[0]!.path).toBe('attributes.nope');
    const noName = await erp.put('/api/erp/accounts/K-1/contacts/bad4@erp.test', { firstName: 'Only' });
    expect(noName.statusCode).toBe(400);
    expect(JSON.stringify(noName.json().error.details)).toContain('lastName');
    const badEmail = await erp.put('/api/erp/accounts/K-1/contacts/not-an-email', {
      firstName: 'Bad',
      lastName: 'Email',
    });
    expect(badEmail.statusCode).toBe(400);
    expect(JSON.stringify(badEmail.json().error.details)).toContain('email');
    const noAccount = await erp.put('/api/erp/accounts/K-404/contacts/bad5@erp.test', {
      firstName: 'No',
      lastName: 'Account',
    });
    expect(noAccount.statusCode).toBe(404);
    for (const n of [1, 2, 3, 4, 5]) expect(await contactRows(`bad${n}@erp.test`)).toEqual([]);
    // A refused update leaves the stored contact as it was.
    const kept = await erp.put('/api/erp/accounts/K-1/contacts/erna@erp.test', {
      firstName: 'Changed',
      lastName: 'Erp-Weber',
      language: 'xx',
    });
    expect(kept.statusCode).toBe(422);
    const stored = (
      await admin.get(`/api/contacts/${(await contactRows('erna@erp.test'))[0]!.id}`)
    ).json<ContactBody>();
    expect(stored.firstName).toBe('Erna');
  });

  it('two identical requests at once create one contact: one created, the other unchanged', async () => {
    const body = { firstName: 'Twin', lastName: 'Request' };
    const answers = await Promise.all(
      [1, 2].map(() => erp.put('/api/erp/accounts/K-1/contacts/twin@erp.test', body)),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 201]);
    expect(answers.map((a) => a.json<Result>().status).sort()).toEqual(['created', 'unchanged']);
    const rows = await contactRows('twin@erp.test');
    expect(rows).toHaveLength(1);
    expect(await auditOf(rows[0]!.id)).toEqual([{ action: 'contact.created', source: 'erp' }]);
  });

  it('needs the erp permission (403 naming it)', async () => {
    const editor = await t.employee(['customerEdit', 'companyEdit']);
    const res = await editor.put('/api/erp/accounts/K-1/contacts/no@erp.test', {
      firstName: 'N',
      lastName: 'O',
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.details).toEqual({ permission: 'erp' });
    expect(await contactRows('no@erp.test')).toEqual([]);
  });
});
