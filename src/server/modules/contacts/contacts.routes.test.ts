import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { systemContext } from '../../http/context.ts';
import { createAccount } from '../accounts/accounts.service.ts';
import { contactsDepsOf, createContact } from './contacts.service.ts';

type Summary = { id: string; email: string; firstName: string; lastName: string; status: string };
type Page = { items: Summary[]; nextCursor: string | null };

describe('contacts API', () => {
  let t: TestApp;
  let admin: Client & { id: string; email: string };
  let account: { id: string; name: string; number: string; code: string | null };
  let other: { id: string; name: string; number: string; code: string | null };
  let n = 0;
  const email = (label = 'c') => `${label}${++n}@example.com`;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    for (const key of ['buyer', 'approver', 'invoice-viewer']) {
      expect((await admin.post('/api/roles', { key, name: key })).statusCode).toBe(201);
    }
    const group = await admin.post('/api/group-roles', {
      key: 'purchasing',
      name: 'Purchasing',
      roles: ['buyer', 'approver'],
    });
    expect(group.statusCode).toBe(201);
    account = (
      await admin.post('/api/accounts', { kind: 'business', name: 'Main Account', code: 'MAIN' })
    ).json();
    other = (
      await admin.post('/api/accounts', { kind: 'business', name: 'Other Account', code: 'OTHER' })
    ).json();
    // Contacts may prefer only the languages the seller enables.
    expect((await admin.patch('/api/settings', { languages: ['en', 'fr-CA'] })).statusCode).toBe(200);
  });
  afterAll(() => t.close());

  const contactRows = (address: string) =>
    t.deps.database.db.selectFrom('contacts').selectAll().where('email', 'ilike', address).execute();
  const emailsTo = async (address: string) => {
    const res = await admin.get(`/api/emails?to=${encodeURIComponent(address)}`);
    expect(res.statusCode).toBe(200);
    return res.json().items as Array<{
      id: string;
      subject: string;
      text: string;
      html: string;
      templateKey: string;
      contactId: string;
      status: string;
      to: string;
    }>;
  };

  describe('adding a contact', () => {
    it('adds a contact to an account with roles, group roles and the roles they bring', async () => {
      const address = email('buyer');
      const res = await admin.post(`/api/accounts/${account.id}/contacts`, {
        email: address,
        firstName: 'Jo',
        lastName: 'Buyer',
        phone: '+1 555 0100',
        roles: ['invoice-viewer'],
        groupRoles: ['purchasing'],
      });
      expect(res.statusCode).toBe(201);
      const contact = res.json();
      expect(contact).toMatchObject({
        email: address,
        firstName: 'Jo',
        lastName: 'Buyer',
        phone: '+1 555 0100',
        workPhone: null,
        language: 'en',
        status: 'active',
        hasLogin: false,
        account: { id: account.id, name: 'Main Account', number: account.number, code: 'MAIN' },
        accounts: [{ id: account.id, name: 'Main Account', number: account.number, code: 'MAIN' }],
        roles: ['invoice-viewer'],
        groupRoles: ['purchasing'],
        effectiveRoles: ['approver', 'buyer', 'invoice-viewer'],
      });
      const rows = await contactRows(address);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ first_name: 'Jo', scope_id: t.deps.scopeId, password_hash: null });
      const link = await t.deps.database.db
        .selectFrom('contact_accounts')
        .select(['account_id', 'is_primary'])
        .where('contact_id', '=', contact.id)
        .execute();
      expect(link).toEqual([{ account_id: account.id, is_primary: true }]);
      expect((await admin.get(`/api/accounts/${account.id}`)).json().contactCount).toBeGreaterThanOrEqual(1);
      // Through the API, no email unless asked for.
      expect(await emailsTo(address)).toEqual([]);
    });

    it('adds a contact from the contacts list with an accountId, with the same outcome', async () => {
      const address = email('picker');
      const res = await admin.post('/api/contacts', {
        accountId: other.id,
        email: address,
        firstName: 'Pick',
        lastName: 'Er',
        roles: ['buyer'],
        language: 'fr-CA',
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        account: { id: other.id },
        roles: ['buyer'],
        groupRoles: [],
        effectiveRoles: ['buyer'],
        language: 'fr-CA',
      });
      const read = await admin.get(`/api/contacts/${res.json().id}`);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(res.json());
    });

    it('refuses a contact without an account, or with an account that does not exist', async () => {
      const missing = await admin.post('/api/contacts', { email: email(), firstName: 'A', lastName: 'B' });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error.details).toContainEqual(expect.objectContaining({ path: 'accountId' }));
      const address = email();
      const unknown = await admin.post('/api/contacts', {
        accountId: '00000000-0000-4000-8000-000000000000',
        email: address,
        firstName: 'A',
        lastName: 'B',
      });
      expect(unknown.statusCode).toBe(404);
      expect(await contactRows(address)).toEqual([]);
      const viaPath = await admin.post('/api/accounts/00000000-0000-4000-8000-000000000000/contacts', {
        email: address,
        firstName: 'A',
        lastName: 'B',
      });
      expect(viaPath.statusCode).toBe(404);
    });

    it('refuses unknown roles and group roles with 422 on the field, storing nothing and sending nothing', async () => {
      const address = email('unknownrole');
      const roles = await admin.post(`/api/accounts/${account.id}/contacts`, {
        email: address,
        firstName: 'No',
        lastName: 'Role',
        roles: ['buyer', 'astronaut'],
        sendEmail: 'accountactivation',
      });
      expect(roles.statusCode).toBe(422);
      expect(roles.json().error).toMatchObject({
        code: 'unprocessable',
        details: [{ path: 'roles', message: expect.stringContaining('astronaut') }],
      });
      const groups = await admin.post(`/api/accounts/${account.id}/contacts`, {
        email: address,
        firstName: 'No',
        lastName: 'Role',
        groupRoles: ['nobody'],
        sendEmail: 'accountactivation',
      });
      expect(groups.statusCode).toBe(422);
      expect(groups.json().error.details).toEqual([
        { path: 'groupRoles', message: expect.stringContaining('nobody') },
      ]);

      expect(await contactRows(address)).toEqual([]);
      expect(await emailsTo(address)).toEqual([]);
      const tokens = await t.deps.database.db.selectFrom('one_time_tokens').select('token_hash').execute();
      const emails = await t.deps.database.db.selectFrom('emails').select('id').execute();
      expect(tokens).toHaveLength(emails.length);
    });

    it('refuses invalid fields with 400 and the path of each', async () => {
      const base = { email: email(), firstName: 'Val', lastName: 'Id' };
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ ...base, email: 'not-an-email' }, 'email'],
        [{ ...base, email: `${'a'.repeat(250)}@example.com` }, 'email'],
        [{ ...base, firstName: 'f'.repeat(101) }, 'firstName'],
        [{ ...base, lastName: '' }, 'lastName'],
        [{ ...base, firstName: undefined }, 'firstName'],
        [{ ...base, phone: '1'.repeat(41) }, 'phone'],
        [{ ...base, workPhone: '1'.repeat(41) }, 'workPhone'],
        [{ ...base, language: 'english' }, 'language'],
        [{ ...base, roles: ['has space'] }, 'roles.0'],
        [{ ...base, roles: 'buyer' }, 'roles'],
        [{ ...base, sendEmail: 'spam' }, 'sendEmail'],
      ];
      for (const [body, path] of cases) {
        const res = await admin.post(`/api/accounts/${account.id}/contacts`, body);
        expect(res.statusCode, `${path}: ${res.body}`).toBe(400);
        expect(res.json().error.code).toBe('invalid_input');
        expect(res.json().error.details, path).toContainEqual(expect.objectContaining({ path }));
      }
      expect(await contactRows(base.email)).toEqual([]);
    });

    it('trims the email and names it stores', async () => {
      const address = email('trim');
      const res = await admin.post(`/api/accounts/${account.id}/contacts`, {
        email: `  ${address}  `,
        firstName: '  Tim ',
        lastName: ' Trim ',
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ email: address, firstName: 'Tim', lastName: 'Trim' });
    });
  });

  describe('one contact per email in a scope', () => {
    it('refuses a second contact with the same email in the scope, whatever its case', async () => {
      const first = await admin.post(`/api/accounts/${account.id}/contacts`, {
        email: 'Jo@x.com',
        firstName: 'Jo',
        lastName: 'One',
      });
      expect(first.statusCode).toBe(201);
      const second = await admin.post(`/api/accounts/${other.id}/contacts`, {
        email: 'jo@X.com',
        firstName: 'Jo',
        lastName: 'Two',
        sendEmail: 'accountactivation',
      });
      expect(second.statusCode).toBe(409);
      expect(second.json().error).toMatchObject({
        code: 'conflict',
        details: [{ path: 'email', message: expect.any(String) }],
      });
      expect(await contactRows('jo@x.com')).toHaveLength(1);
      expect(await emailsTo('jo@x.com')).toEqual([]);
    });

    it('creates exactly one contact when ten requests race with the same email', async () => {
      const address = email('race');
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          admin.post(`/api/accounts/${account.id}/contacts`, {
            email: i % 2 ? address.toUpperCase() : address,
            firstName: 'Race',
            lastName: `Runner ${i}`,
            sendEmail: 'accountactivation',
          }),
        ),
      );
      const statuses = results.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
      for (const r of results.filter((x) => x.statusCode === 409))
        expect(r.json().error.code).toBe('conflict');
      expect(await contactRows(address)).toHaveLength(1);
      expect(await emailsTo(address)).toHaveLength(1);
      const audit = await t.deps.database.db
        .selectFrom('audit_log')
        .select('id')
        .where('action', '=', 'contact.created')
        .where('entity_id', '=', results.find((r) => r.statusCode === 201)!.json().id)
        .execute();
      expect(audit).toHaveLength(1);
    });

    it('allows the same email in another scope', async () => {
      const { id: scopeId } = await t.deps.database.db
        .insertInto('scopes')
        .values({ key: 'second-store', name: 'Second store' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const ctx = systemContext(scopeId, 'portal');
      const elsewhere = await createAccount(t.deps.database.db, ctx, { kind: 'business', name: 'Elsewhere' });
      const deps = contactsDepsOf(t.deps);
      const contact = await createContact(deps, ctx, {
        accountId: elsewhere.id,
        email: 'jo@x.com',
        firstName: 'Jo',
        lastName: 'Elsewhere',
      });
      expect(contact.email).toBe('jo@x.com');
      expect(await contactRows('jo@x.com')).toHaveLength(2);
      // The default store's lists do not show the other store's contact or account.
      const list = (await admin.get('/api/contacts?q=jo@x.com')).json<Page>();
      expect(list.items.map((c) => c.lastName)).toEqual(['One']);
      expect((await admin.get(`/api/contacts/${contact.id}`)).statusCode).toBe(404);
      expect((await admin.get(`/api/accounts/${elsewhere.id}`)).statusCode).toBe(404);
      await expect(
        createContact(deps, ctx, {
          accountId: elsewhere.id,
          email: 'JO@x.com',
          firstName: 'J',
          lastName: 'Again',
        }),
      ).rejects.toMatchObject({ code: 'conflict' });
    });
  });

  describe('the welcome email', () => {
    it('writes one accountactivation email with a single-use activation link', async () => {
      const address = email('welcome');
      const res = await admin.post(`/api/accounts/${account.id}/contacts`, {
        email: address,
        firstName: 'Wendy',
        lastName: 'Welcome',
        sendEmail: 'accountactivation',
      });
      expect(res.statusCode).toBe(201);
      const emails = await emailsTo(address.toUpperCase());
      expect(emails).toHaveLength(1);
      const message = emails[0]!;
      expect(message).toMatchObject({
        to: address,
        templateKey: 'accountactivation',
        contactId: res.json().id,
        status: 'captured',
        subject: 'Welcome to Clientele: activate your account',
      });
      expect(message.text).toContain('Welcome, Wendy!');
      expect(message.text).toContain('at Main Account');
      // The log shows the link with its token hidden; without SMTP the token is kept nowhere.
      expect(message.text).toContain('http://clientele.test/store/activate?token=[hidden]');
      expect(message.html).toContain('http://clientele.test/store/activate?token=[hidden]');
      const stored = await t.deps.database.db
        .selectFrom('emails')
        .select(['secrets', 'html', 'text'])
        .where('id', '=', message.id)
        .executeTakeFirstOrThrow();
      expect(stored.secrets).toBeNull();
      expect(stored.text).not.toMatch(/token=[\w-]/);
      const tokens = await t.deps.database.db
        .selectFrom('one_time_tokens')
        .select(['purpose', 'used_at', 'expires_at'])
        .where('subject_id', '=', res.json().id)
        .execute();
      expect(tokens).toHaveLength(1);
      expect(tokens[0]).toMatchObject({ purpose: 'activation', used_at: null });
    });

    it('writes no email when sendEmail is null or absent', async () => {
      for (const sendEmail of [null, undefined]) {
        const address = email('quiet');
        const res = await admin.post(`/api/accounts/${account.id}/contacts`, {
          email: address,
          firstName: 'Quiet',
          lastName: 'Contact',
          ...(sendEmail !== undefined && { sendEmail }),
        });
        expect(res.statusCode).toBe(201);
        expect(await emailsTo(address)).toEqual([]);
      }
    });

    it('stores HTML in names as typed, escapes it in the HTML body and keeps it in the text body', async () => {
      const address = email('html');
      const res = await admin.post(`/api/accounts/${account.id}/contacts`, {
        email: address,
        firstName: '<b>Jo</b>',
        lastName: '<script>alert(1)</script>',
        sendEmail: 'accountactivation',
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().firstName).toBe('<b>Jo</b>');
      const [row] = await contactRows(address);
      expect(row!.first_name).toBe('<b>Jo</b>');
      expect(row!.last_name).toBe('<script>alert(1)</script>');

      const [message] = await emailsTo(address);
      expect(message!.html).toContain('Welcome, &lt;b&gt;Jo&lt;/b&gt;!');
      expect(message!.html).not.toContain('<b>Jo</b>');
      expect(message!.text).toContain('Welcome, <b>Jo</b>!');
    });

    it('renders template syntax typed into a name as plain text', async () => {
      const address = email('liquid');
      const res = await admin.post(`/api/accounts/${account.id}/contacts`, {
        email: address,
        firstName: '{{ seller.name }}{% if true %}x{% endif %}',
        lastName: 'Liquid',
        sendEmail: 'accountactivation',
      });
      expect(res.statusCode).toBe(201);
      const [message] = await emailsTo(address);
      expect(message!.text).toContain('Welcome, {{ seller.name }}{% if true %}x{% endif %}!');
    });

    it('escapes HTML in the account name in the HTML body', async () => {
      const tricky = (
        await admin.post('/api/accounts', { kind: 'business', name: 'Smith & <i>Sons</i>' })
      ).json();
      const address = email('amp');
      const res = await admin.post(`/api/accounts/${tricky.id}/contacts`, {
        email: address,
        firstName: 'Sam',
        lastName: 'Smith',
        sendEmail: 'accountactivation',
      });
      expect(res.statusCode).toBe(201);
      const [message] = await emailsTo(address);
      expect(message!.html).toContain('Smith &amp; &lt;i&gt;Sons&lt;/i&gt;');
      expect(message!.text).toContain('Smith & <i>Sons</i>');
    });
  });

  describe('finding contacts', () => {
    let muller: Summary;
    let dupont: Summary;
    let disabled: Summary;
    let scoped: { id: string };
    beforeAll(async () => {
      scoped = (await admin.post('/api/accounts', { kind: 'business', name: 'Search Scope' })).json();
      const add = async (body: Record<string, unknown>) => {
        const res = await admin.post(`/api/accounts/${scoped.id}/contacts`, body);
        expect(res.statusCode, res.body).toBe(201);
        return res.json<Summary>();
      };
      muller = await add({ email: 'Jurgen.Mueller@Example.org', firstName: 'Jürgen', lastName: 'Müller' });
      dupont = await add({ email: 'h.dupont@example.fr', firstName: 'Hélène', lastName: 'Dupont' });
      disabled = await add({ email: 'gone@example.net', firstName: 'Gone', lastName: 'Away' });
      expect((await admin.patch(`/api/contacts/${disabled.id}`, { status: 'disabled' })).statusCode).toBe(
        200,
      );
    });
    const ids = async (query: string) => {
      const res = await admin.get(`/api/contacts?${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return res
        .json<Page>()
        .items.map((c) => c.id)
        .sort();
    };

    it('finds contacts by email, ignoring case', async () => {
      expect(await ids('q=jurgen.mueller@example.org')).toEqual([muller.id]);
      expect(await ids('q=MUELLER@')).toEqual([muller.id]);
      expect(await ids('q=example.fr')).toEqual([dupont.id]);
    });

    it('finds contacts by first or last name, ignoring case and accents', async () => {
      expect(await ids('q=jurgen')).toEqual([muller.id]);
      expect(await ids('q=MULLER')).toEqual([muller.id]);
      expect(await ids('q=helene')).toEqual([dupont.id]);
      expect(await ids('q=Hélène')).toEqual([dupont.id]);
      expect(await ids('q=HELENE%20DUP')).toEqual([dupont.id]);
      expect(await ids('q=zzzz')).toEqual([]);
    });

    it('filters by account and by status', async () => {
      expect(await ids(`accountId=${scoped.id}`)).toEqual([muller.id, dupont.id, disabled.id].sort());
      expect(await ids(`accountId=${scoped.id}&status=disabled`)).toEqual([disabled.id]);
      expect(await ids(`accountId=${scoped.id}&status=active`)).toEqual([muller.id, dupont.id].sort());
      expect(await ids(`accountId=${scoped.id}&q=gone&status=active`)).toEqual([]);
      const viaAccount = await admin.get(`/api/accounts/${scoped.id}/contacts`);
      expect(viaAccount.statusCode).toBe(200);
      expect(
        viaAccount
          .json<Page>()
          .items.map((c) => c.id)
          .sort(),
      ).toEqual([muller.id, dupont.id, disabled.id].sort());
      const all = (await admin.get('/api/contacts?status=disabled&limit=200')).json<Page>();
      expect(all.items.every((c) => c.status === 'disabled')).toBe(true);
    });

    it('answers 404 for an unknown account filter and 400 for a malformed one or a bad status', async () => {
      expect(
        (await admin.get('/api/contacts?accountId=00000000-0000-4000-8000-000000000000')).statusCode,
      ).toBe(404);
      const bad = await admin.get('/api/contacts?accountId=nope');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details).toContainEqual(expect.objectContaining({ path: 'accountId' }));
      expect((await admin.get('/api/contacts?status=deleted')).statusCode).toBe(400);
      expect((await admin.get('/api/contacts?limit=1000')).statusCode).toBe(400);
    });

    it('pages through contacts exactly once, with and without a search', async () => {
      const paged = (await admin.post('/api/accounts', { kind: 'business', name: 'Paged' })).json();
      const created = new Set<string>();
      for (let i = 0; i < 23; i++) {
        const res = await admin.post(`/api/accounts/${paged.id}/contacts`, {
          email: `pager${i}@paging.test`,
          firstName: 'Page',
          lastName: `Number ${i}`,
        });
        created.add(res.json().id);
      }
      const walk = async (query: string, limit: number) => {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const res = await admin.get(
            `/api/contacts?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
          );
          expect(res.statusCode, res.body).toBe(200);
          const page = res.json<Page>();
          seen.push(...page.items.map((c) => c.id));
          cursor = page.nextCursor;
        } while (cursor);
        return seen;
      };
      const all = await walk(`accountId=${paged.id}`, 5);
      expect(all).toHaveLength(23);
      expect(new Set(all)).toEqual(created);
      const searched = await walk('q=paging.test', 4);
      expect(searched).toHaveLength(23);
      expect(new Set(searched)).toEqual(created);
      const everyone = await walk('status=active', 7);
      expect(new Set(everyone).size).toBe(everyone.length);
      const total = await t.deps.database.db
        .selectFrom('contacts')
        .select('id')
        .where('scope_id', '=', t.deps.scopeId)
        .where('status', '=', 'active')
        .execute();
      expect(everyone).toHaveLength(total.length);
      // Newest first.
      const first = (await admin.get(`/api/contacts?accountId=${paged.id}&limit=1`)).json<Page>();
      expect(first.items[0]!.email).toBe('pager22@paging.test');
    });

    it('shows likely duplicates: the same email in the scope and the same name on the account', async () => {
      const res = await admin.get(
        `/api/contacts/duplicates?email=JURGEN.MUELLER@example.org&firstName=jurgen&lastName=MULLER&accountId=${scoped.id}`,
      );
      expect(res.statusCode).toBe(200);
      expect(res.json().sameEmail).toMatchObject({ id: muller.id });
      expect(res.json().sameNameOnAccount.map((c: Summary) => c.id)).toEqual([muller.id]);
      const none = await admin.get(
        `/api/contacts/duplicates?email=new@example.org&firstName=Jürgen&lastName=Müller&accountId=${other.id}`,
      );
      expect(none.json()).toEqual({ sameEmail: null, sameNameOnAccount: [] });
      const bad = await admin.get('/api/contacts/duplicates?accountId=nope');
      expect(bad.statusCode).toBe(400);
    });
  });

  describe('changing a contact', () => {
    it('replaces roles and group roles and audits only what changed', async () => {
      const created = await admin.post(`/api/accounts/${account.id}/contacts`, {
        email: email('change'),
        firstName: 'Chan',
        lastName: 'Ge',
        roles: ['buyer'],
        groupRoles: ['purchasing'],
      });
      const id = created.json().id;
      const res = await admin.patch(`/api/contacts/${id}`, {
        roles: ['invoice-viewer'],
        groupRoles: [],
        phone: '123',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        roles: ['invoice-viewer'],
        groupRoles: [],
        effectiveRoles: ['invoice-viewer'],
        phone: '123',
      });
      const roles = await t.deps.database.db
        .selectFrom('contact_roles')
        .select('role_id')
        .where('contact_id', '=', id)
        .execute();
      expect(roles).toHaveLength(1);

      const audit = await admin.get(`/api/audit?entityType=contact&entityId=${id}`);
      expect(audit.statusCode).toBe(200);
      const [updated, createdEntry] = audit.json().items;
      expect(updated).toMatchObject({
        action: 'contact.updated',
        actorId: admin.id,
        actorType: 'employee',
        source: 'portal',
        before: { roles: ['buyer'], groupRoles: ['purchasing'], phone: null },
        after: { roles: ['invoice-viewer'], groupRoles: [], phone: '123' },
      });
      expect(Object.keys(updated.after).sort()).toEqual(['groupRoles', 'phone', 'roles']);
      expect(createdEntry).toMatchObject({
        action: 'contact.created',
        actorId: admin.id,
        actorLabel: admin.email,
        source: 'portal',
        before: null,
        after: expect.objectContaining({
          email: created.json().email,
          roles: ['buyer'],
          accountIds: [account.id],
        }),
      });
    });

    it('changes nothing when a PATCH names an unknown role', async () => {
      const created = await admin.post(`/api/accounts/${account.id}/contacts`, {
        email: email('atomic'),
        firstName: 'Atom',
        lastName: 'Ic',
        roles: ['buyer'],
      });
      const id = created.json().id;
      const res = await admin.patch(`/api/contacts/${id}`, { firstName: 'Changed', roles: ['astronaut'] });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details).toEqual([{ path: 'roles', message: expect.any(String) }]);
      const after = (await admin.get(`/api/contacts/${id}`)).json();
      expect(after).toMatchObject({ firstName: 'Atom', roles: ['buyer'] });
      const updates = await t.deps.database.db
        .selectFrom('audit_log')
        .select('id')
        .where('entity_id', '=', id)
        .where('action', '=', 'contact.updated')
        .execute();
      expect(updates).toEqual([]);
    });

    it('refuses to change the email to one another contact has, whatever its case', async () => {
      const a = (
        await admin.post(`/api/accounts/${account.id}/contacts`, {
          email: email('taken'),
          firstName: 'A',
          lastName: 'A',
        })
      ).json();
      const b = (
        await admin.post(`/api/accounts/${account.id}/contacts`, {
          email: email('taker'),
          firstName: 'B',
          lastName: 'B',
        })
      ).json();
      const res = await admin.patch(`/api/contacts/${b.id}`, { email: a.email.toUpperCase() });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.details).toEqual([{ path: 'email', message: expect.any(String) }]);
      // Changing only the case of one's own email is fine.
      const own = await admin.patch(`/api/contacts/${b.id}`, { email: b.email.toUpperCase() });
      expect(own.statusCode).toBe(200);
    });

    it('answers 404 for an unknown contact and 400 for a malformed id', async () => {
      expect((await admin.get('/api/contacts/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
      expect(
        (await admin.patch('/api/contacts/00000000-0000-4000-8000-000000000000', { firstName: 'X' }))
          .statusCode,
      ).toBe(404);
      const bad = await admin.get('/api/contacts/123');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details).toContainEqual(expect.objectContaining({ path: 'id' }));
    });
  });

  describe('audit trail', () => {
    it('records a contact created with an API key with source api and the key as actor', async () => {
      const key = (await admin.post('/api/api-keys', { name: 'shop', roles: ['customerEdit'] })).json();
      const api = clientFor(t.app, { authorization: `Bearer ${key.key}` });
      const res = await api.post('/api/contacts', {
        accountId: account.id,
        email: email('api'),
        firstName: 'Api',
        lastName: 'Made',
      });
      expect(res.statusCode).toBe(201);
      const audit = await admin.get(`/api/audit?entityType=contact&entityId=${res.json().id}`);
      expect(audit.json().items).toEqual([
        expect.objectContaining({
          action: 'contact.created',
          actorType: 'api-key',
          actorId: key.id,
          actorLabel: 'API key shop',
          source: 'api',
        }),
      ]);
    });

    it('lets an employee who may read a contact read its history, and nothing else of the log', async () => {
      const viewer = await t.employee(['companyView']);
      const created = await admin.post(`/api/accounts/${account.id}/contacts`, {
        email: email('hist'),
        firstName: 'H',
        lastName: 'Ist',
      });
      const own = await viewer.get(`/api/audit?entityType=contact&entityId=${created.json().id}`);
      expect(own.statusCode).toBe(200);
      expect(own.json().items).toHaveLength(1);
      expect((await viewer.get('/api/audit')).statusCode).toBe(403);
      expect((await viewer.get('/api/audit?entityType=employee&entityId=x')).statusCode).toBe(403);
      expect(
        (await viewer.get('/api/audit?entityType=contact&entityId=00000000-0000-4000-8000-000000000000'))
          .statusCode,
      ).toBe(404);
      // A malformed id is not a server error.
      const bad = await viewer.get('/api/audit?entityType=contact&entityId=not-a-uuid');
      expect(bad.statusCode, bad.body).toBeLessThan(500);
      expect([400, 404]).toContain(bad.statusCode);
      const badAccount = await viewer.get('/api/audit?entityType=account&entityId=not-a-uuid');
      expect([400, 404]).toContain(badAccount.statusCode);
    });

    it('pages through the audit log exactly once and refuses a forged cursor', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await admin.get(`/api/audit?limit=9${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.statusCode).toBe(200);
        seen.push(...res.json().items.map((e: { id: string }) => e.id));
        cursor = res.json().nextCursor;
      } while (cursor);
      const total = await t.deps.database.db.selectFrom('audit_log').select('id').execute();
      expect(new Set(seen).size).toBe(total.length);
      expect(seen).toHaveLength(total.length);
      const forged = Buffer.from(JSON.stringify({ id: 'abc' })).toString('base64url');
      const res = await admin.get(`/api/audit?cursor=${forged}`);
      expect(res.statusCode).toBe(400);
    });
  });
});
