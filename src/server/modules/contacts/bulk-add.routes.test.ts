import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { issueToken } from '../../lib/one-time-tokens.ts';

type LineResult = {
  line: number;
  email: string;
  status: 'created' | 'exists' | 'invalid';
  contactId?: string;
  accountId?: string;
  error?: string;
  password?: string;
};
type BulkResult = { results: LineResult[]; created: number; exists: number; invalid: number };

const SHARED_PASSWORD = 'spring-fair-shared-2026';
const HOUR = 3600_000;

describe('bulk add contacts API', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let account: { id: string; name: string; number: string };
  let run = 0;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    account = (await admin.post('/api/accounts', { kind: 'business', name: 'Bulk Co' })).json();
  });
  afterAll(() => t.close());

  const db = () => t.deps.database.db;
  /** A unique email domain per test, so tests do not see each other's contacts. */
  const domain = () => `bulk${++run}.test`;
  const bulk = async (body: Record<string, unknown>, status = 200) => {
    const res = await admin.post('/api/contacts/bulk', { accountId: account.id, ...body });
    expect(res.statusCode, res.body).toBe(status);
    return res.json<BulkResult>();
  };
  const contactsOf = (d: string) =>
    db().selectFrom('contacts').selectAll().where('email', 'like', `%@${d}`).orderBy('email').execute();
  const createGroup = async (key: string, patch?: Record<string, unknown>) => {
    const res = await admin.post('/api/customer-groups', { key, name: key });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json<{ id: string }>().id;
    if (patch) expect((await admin.patch(`/api/customer-groups/${id}`, patch)).statusCode).toBe(200);
    return id;
  };
  const signIn = (email: string, password: string) =>
    t.anonymous.post('/api/store/session', { email, password });
  const counts = async () => {
    const [contacts, accounts] = await Promise.all([
      db()
        .selectFrom('contacts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
      db()
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return { contacts: Number(contacts.n), accounts: Number(accounts.n) };
  };

  describe('reading the pasted text', () => {
    it('adds comma-separated lines to the account, with phone, and audits each contact', async () => {
      const d = domain();
      const out = await bulk({
        text: `ann@${d}, Ann, Archer, +1 555 0101\nbob@${d},Bob,Baker\n`,
      });
      expect(out).toMatchObject({ created: 2, exists: 0, invalid: 0 });
      expect(out.results).toEqual([
        {
          line: 1,
          email: `ann@${d}`,
          status: 'created',
          contactId: expect.any(String),
          accountId: account.id,
        },
        {
          line: 2,
          email: `bob@${d}`,
          status: 'created',
          contactId: expect.any(String),
          accountId: account.id,
        },
      ]);
      const rows = await contactsOf(d);
      expect(
        rows.map((r) => [r.email, r.first_name, r.last_name, r.phone, r.status, r.password_hash]),
      ).toEqual([
        [`ann@${d}`, 'Ann', 'Archer', '+1 555 0101', 'active', null],
        [`bob@${d}`, 'Bob', 'Baker', null, 'active', null],
      ]);
      const contact = (await admin.get(`/api/contacts/${out.results[0]!.contactId}`)).json();
      expect(contact).toMatchObject({ account: { id: account.id }, hasLogin: false, customerGroups: [] });
      const audit = await db()
        .selectFrom('audit_log')
        .select(['action', 'actor_id', 'after'])
        .where('entity_id', '=', out.results[0]!.contactId!)
        .execute();
      expect(audit).toEqual([
        {
          action: 'contact.created',
          actor_id: admin.id,
          after: expect.objectContaining({ email: `ann@${d}`, accountIds: [account.id] }),
        },
      ]);
      // Without logins: "none" by default, no email is written.
      const emails = await db()
        .selectFrom('emails')
        .select('id')
        .where('to_address', 'like', `%@${d}`)
        .execute();
      expect(emails).toEqual([]);
    });

    it('reads semicolons, tabs (which win), quoted cells, and skips a header and blank lines', async () => {
      const d = domain();
      const semicolons = await bulk({
        text: `Email;First name;Last name;Phone\n\nsemi@${d};"Smith, Jr";Sam;"+1 ""555"""\n   \nsemi2@${d};Sue;Sun`,
      });
      expect(semicolons.results.map((r) => [r.line, r.email, r.status])).toEqual([
        [3, `semi@${d}`, 'created'],
        [5, `semi2@${d}`, 'created'],
      ]);
      // A spreadsheet copy: tab-separated, even though cells hold commas and semicolons.
      const tabs = await bulk({
        text: `tab@${d}\tTina; Tia\tTodd, Jr\r\ntab2@${d}\t"Ted\nTheodore"\tTull\r\n`,
      });
      expect(tabs.results.map((r) => [r.line, r.status])).toEqual([
        [1, 'created'],
        [2, 'created'],
      ]);
      const rows = await contactsOf(d);
      expect(rows.map((r) => [r.email, r.first_name, r.last_name, r.phone])).toEqual([
        [`semi2@${d}`, 'Sue', 'Sun', null],
        [`semi@${d}`, 'Smith, Jr', 'Sam', '+1 "555"'],
        [`tab2@${d}`, 'Ted\nTheodore', 'Tull', null],
        [`tab@${d}`, 'Tina; Tia', 'Todd, Jr', null],
      ]);
    });

    it('reports invalid lines naming the field, and a repeated email, storing the valid ones', async () => {
      const d = domain();
      const out = await bulk({
        text: [
          `good@${d},Gina,Good`,
          `not-an-email,Nina,Bad`,
          `nolast@${d},Nora`,
          `good@${d.toUpperCase()},Gina,Again`,
          `long@${d},${'x'.repeat(101)},Long`,
          `cells@${d},Cy,Cells,123,456,extra`,
          `phone@${d},Pia,Phone,${'9'.repeat(41)}`,
          `,Emma,Empty`,
          `quote@${d},"Quincy,Q`,
        ].join('\n'),
      });
      expect(out).toMatchObject({ created: 1, exists: 0, invalid: 8 });
      const byLine = Object.fromEntries(out.results.map((r) => [r.line, r]));
      expect(byLine[1]).toMatchObject({ status: 'created' });
      expect(byLine[2]).toMatchObject({ status: 'invalid', error: 'email: Enter a valid email address' });
      expect(byLine[3]).toMatchObject({ status: 'invalid', error: 'last name: Required' });
      expect(byLine[4]).toMatchObject({ status: 'invalid', error: 'Same email as line 1' });
      expect(byLine[5]).toMatchObject({ status: 'invalid', error: 'first name: Use at most 100 characters' });
      expect(byLine[6]!.error).toMatch(/at most 5 cells/);
      expect(byLine[7]).toMatchObject({ status: 'invalid', error: 'phone: Use at most 40 characters' });
      expect(byLine[8]!.error).toMatch(/^email: /);
      expect(byLine[9]!.error).toMatch(/quote/);
      for (const r of out.results.filter((x) => x.status === 'invalid')) expect(r.contactId).toBeUndefined();
      expect((await contactsOf(d)).map((r) => r.email)).toEqual([`good@${d}`]);
    });

    it('stores HTML in names as typed', async () => {
      const d = domain();
      const out = await bulk({ text: `html@${d},<b>Bold</b>,<script>alert(1)</script> & Co` });
      expect(out.created).toBe(1);
      const contact = (await admin.get(`/api/contacts/${out.results[0]!.contactId}`)).json();
      expect(contact).toMatchObject({ firstName: '<b>Bold</b>', lastName: '<script>alert(1)</script> & Co' });
    });

    it('refuses more than 5,000 lines, and a text without contacts, with 422 and nothing stored', async () => {
      const d = domain();
      const before = await counts();
      const lines = Array.from({ length: 5001 }, (_, i) => `p${i}@${d},P,${i}`).join('\n');
      const res = await admin.post('/api/contacts/bulk', { accountId: account.id, text: lines });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.message).toBe('Paste at most 5,000 lines at a time; this text has 5,001');
      const empty = await admin.post('/api/contacts/bulk', {
        accountId: account.id,
        text: '\n  \nemail,first\n',
      });
      expect(empty.statusCode).toBe(422);
      expect(empty.json().error.message).toMatch(/at least one line/);
      expect(await counts()).toEqual(before);
    });
  });

  describe('existing contacts and accounts', () => {
    it('reports an email already in the store as exists, with its contact, and still adds it to the groups', async () => {
      const d = domain();
      await createGroup(`existing-${run}`);
      const first = await bulk({ text: `old@${d},Olga,Old` });
      const contactId = first.results[0]!.contactId!;
      const out = await bulk({
        text: `OLD@${d},Other,Name\nnew@${d},Ned,New`,
        customerGroups: [`EXISTING-${run}`],
      });
      expect(out).toMatchObject({ created: 1, exists: 1, invalid: 0 });
      expect(out.results[0]).toEqual({ line: 1, email: `OLD@${d}`, status: 'exists', contactId });
      const old = (await admin.get(`/api/contacts/${contactId}`)).json();
      // Nothing else about the existing contact changes.
      expect(old).toMatchObject({ firstName: 'Olga', customerGroups: [`existing-${run}`] });
      expect((await admin.get(`/api/contacts/${out.results[1]!.contactId}`)).json().customerGroups).toEqual([
        `existing-${run}`,
      ]);
    });

    it('creates a personal account for each new contact when no account is given', async () => {
      const d = domain();
      const out = await bulk({
        accountId: undefined,
        text: `pat@${d},Pat,Personal\nquinn@${d},Quinn,Quiet`,
      });
      expect(out.created).toBe(2);
      const accounts = await Promise.all(
        out.results.map(async (r) =>
          (await admin.get(`/api/accounts/${r.accountId}`)).json<{
            kind: string;
            name: string;
            number: string;
            contactCount: number;
            status: string;
          }>(),
        ),
      );
      expect(accounts.map((a) => [a.kind, a.name, a.contactCount, a.status])).toEqual([
        ['personal', 'Pat Personal', 1, 'active'],
        ['personal', 'Quinn Quiet', 1, 'active'],
      ]);
      for (const a of accounts) expect(a.number).toMatch(/^W\d+$/);
      expect(accounts[0]!.number).not.toBe(accounts[1]!.number);
      const contact = (await admin.get(`/api/contacts/${out.results[0]!.contactId}`)).json();
      expect(contact.account).toMatchObject({ id: out.results[0]!.accountId, name: 'Pat Personal' });
      const audit = await db()
        .selectFrom('audit_log')
        .select('action')
        .where('entity_id', '=', out.results[0]!.accountId!)
        .execute();
      expect(audit).toEqual([{ action: 'account.created' }]);
    });

    it('needs accounts.write to create personal accounts, not to add to a chosen account', async () => {
      const d = domain();
      const editor = await t.employee(['customerEdit']);
      const refused = await editor.post('/api/contacts/bulk', { text: `nope@${d},No,Pe` });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.message).toMatch(/account/);
      const allowed = await editor.post('/api/contacts/bulk', {
        accountId: account.id,
        text: `yes@${d},Ye,S`,
      });
      expect(allowed.statusCode, allowed.body).toBe(200);
      const viewer = await t.employee(['companyView']);
      expect(
        (await viewer.post('/api/contacts/bulk', { accountId: account.id, text: `v@${d},V,V` })).statusCode,
      ).toBe(403);
      expect((await contactsOf(d)).map((r) => r.email)).toEqual([`yes@${d}`]);
    });

    it('refuses an account that does not exist with 404', async () => {
      const res = await admin.post('/api/contacts/bulk', {
        accountId: '00000000-0000-4000-8000-000000000000',
        text: `x@${domain()},X,Y`,
      });
      expect(res.statusCode).toBe(404);
    });

    it('answers exists, not an error, when the same emails are added twice at the same time', async () => {
      const d = domain();
      const text = Array.from({ length: 5 }, (_, i) => `race${i}@${d},Ra,Ce ${i}`).join('\n');
      const [a, b] = await Promise.all([
        admin.post('/api/contacts/bulk', { accountId: account.id, text }),
        admin.post('/api/contacts/bulk', { accountId: account.id, text }),
      ]);
      expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
      const [ra, rb] = [a.json<BulkResult>(), b.json<BulkResult>()];
      expect(ra.created + rb.created).toBe(5);
      expect(ra.exists + rb.exists).toBe(5);
      expect(ra.invalid + rb.invalid).toBe(0);
      expect(await contactsOf(d)).toHaveLength(5);
    });
  });

  describe('customer groups', () => {
    it('adds every new contact to the chosen groups, any case of their keys', async () => {
      const d = domain();
      const g1 = await createGroup(`fair-${run}`);
      await createGroup(`vip-${run}`);
      const out = await bulk({
        text: `g1@${d},G,One\ng2@${d},G,Two`,
        customerGroups: [`Fair-${run}`, `vip-${run}`],
      });
      expect(out.created).toBe(2);
      for (const r of out.results)
        expect((await admin.get(`/api/contacts/${r.contactId}`)).json().customerGroups).toEqual([
          `fair-${run}`,
          `vip-${run}`,
        ]);
      expect((await admin.get(`/api/customer-groups/${g1}`)).json().contactCount).toBe(2);
      const audit = await db()
        .selectFrom('audit_log')
        .select('after')
        .where('entity_id', '=', g1)
        .where('action', '=', 'customerGroup.members_added')
        .execute();
      expect(audit).toEqual([{ after: { contactIds: out.results.map((r) => r.contactId), accountIds: [] } }]);
    });

    it('refuses unknown groups with 422 naming them, storing nothing', async () => {
      const d = domain();
      await createGroup(`known-${run}`);
      const before = await counts();
      const res = await admin.post('/api/contacts/bulk', {
        text: `u@${d},U,Nknown`,
        customerGroups: [`known-${run}`, 'no-such-group', 'nor-this'],
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({
        code: 'unprocessable',
        message: 'Unknown customer groups: no-such-group, nor-this',
        details: [{ path: 'customerGroups', message: expect.stringContaining('no-such-group') }],
      });
      expect(await counts()).toEqual(before);
    });
  });

  describe('logins', () => {
    it('activation: writes a welcome email with an activation link per new contact', async () => {
      const d = domain();
      await bulk({ text: `exists@${d},Ex,Ists` });
      const out = await bulk({
        text: `act1@${d},Ada,Act\nact2@${d},Abe,Act\nexists@${d},Ex,Ists\nbad,x,y`,
        logins: 'activation',
      });
      expect(out).toMatchObject({ created: 2, exists: 1, invalid: 1 });
      const emails = await db()
        .selectFrom('emails')
        .select(['to_address', 'template_key', 'status', 'contact_id', 'text'])
        .where('to_address', 'like', `%@${d}`)
        .orderBy('to_address')
        .execute();
      expect(emails.map((e) => [e.to_address, e.template_key, e.status, e.contact_id])).toEqual([
        [`act1@${d}`, 'accountactivation', 'captured', out.results[0]!.contactId],
        [`act2@${d}`, 'accountactivation', 'captured', out.results[1]!.contactId],
      ]);
      // The stored email holds a placeholder, not the token; a token issued by the service stands in for it.
      expect(emails[0]!.text).toMatch(/\/store\/activate\?token=\[hidden:[0-9a-f]{24}\]/);
      const { token } = await issueToken(db(), 'activation', out.results[0]!.contactId!, 3600_000);
      const activated = await t.anonymous.post('/api/store/activate', {
        token,
        password: 'my-own-password-1',
      });
      expect(activated.statusCode).toBe(200);
      expect((await signIn(`act1@${d}`, 'my-own-password-1')).statusCode).toBe(200);
    });

    it('generated: returns a working password once per new contact and stores only its hash', async () => {
      const d = domain();
      const out = await bulk({ text: `gen1@${d},Gen,One\ngen2@${d},Gen,Two`, logins: 'generated' });
      expect(out.created).toBe(2);
      const [p1, p2] = out.results.map((r) => r.password!);
      expect(p1).toMatch(/^[A-Za-z2-9]{4}(-[A-Za-z2-9]{4}){3}$/);
      expect(p1).not.toBe(p2);
      const rows = await contactsOf(d);
      for (const r of rows) {
        expect(r.password_hash).toMatch(/^\$argon2id\$/);
        expect(r.activated_at).not.toBeNull();
      }
      // Not in clear anywhere: contacts, audit log, emails.
      const dump = JSON.stringify([
        rows,
        await db().selectFrom('audit_log').selectAll().execute(),
        await db().selectFrom('emails').selectAll().execute(),
      ]);
      expect(dump).not.toContain(p1);
      expect(dump).not.toContain(p2);
      expect((await signIn(`gen1@${d}`, p1!)).statusCode).toBe(200);
      expect((await signIn(`gen2@${d}`, p2!)).statusCode).toBe(200);
      expect((await signIn(`gen2@${d}`, p1!)).statusCode).toBe(401);
      expect((await admin.get(`/api/contacts/${out.results[0]!.contactId}`)).json().hasLogin).toBe(true);
    });

    it('group-password: new contacts sign in with the group’s password within the group’s window', async () => {
      const d = domain();
      const key = `shared-${run}`;
      const groupId = await createGroup(key, {
        password: SHARED_PASSWORD,
        loginValidFrom: new Date(Date.now() - HOUR).toISOString(),
        loginValidUntil: new Date(Date.now() + HOUR).toISOString(),
      });
      await createGroup(`plain-${run}`);
      const out = await bulk({
        text: `gp1@${d},Gro,Up\ngp2@${d},Gro,Upper`,
        customerGroups: [key, `plain-${run}`],
        logins: 'group-password',
      });
      expect(out.created).toBe(2);
      expect(out.results[0]!.password).toBeUndefined();
      expect((await signIn(`gp1@${d}`, SHARED_PASSWORD)).statusCode).toBe(200);
      const [row] = await contactsOf(d);
      expect(row!.login_valid_until!.getTime()).toBeGreaterThan(Date.now());
      expect(row!.activated_at).not.toBeNull();

      // A new group password reaches the contacts still using the old one, and so does a new window.
      const changed = await admin.patch(`/api/customer-groups/${groupId}`, {
        password: `${SHARED_PASSWORD}-v2`,
        loginValidUntil: new Date(Date.now() - 60_000).toISOString(),
      });
      expect(changed.statusCode).toBe(200);
      expect((await signIn(`gp2@${d}`, SHARED_PASSWORD)).statusCode).toBe(401);
      const expired = await signIn(`gp2@${d}`, `${SHARED_PASSWORD}-v2`);
      expect(expired.json().error.message).toBe('Your login has expired');
    });

    it('group-password: honours a window given with the request, and one not started yet', async () => {
      const d = domain();
      const key = `later-${run}`;
      await createGroup(key, { password: SHARED_PASSWORD });
      const from = new Date(Date.now() + 2 * HOUR).toISOString();
      const out = await bulk({
        text: `later@${d},La,Ter`,
        customerGroups: [key],
        logins: 'group-password',
        loginValidFrom: from,
      });
      expect(out.created).toBe(1);
      const res = await signIn(`later@${d}`, SHARED_PASSWORD);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.message).toBe('Your login is not valid yet');
      expect((await signIn(`later@${d}`, 'wrong-password-here')).json().error.message).toBe(
        'The email or password is incorrect',
      );
    });

    it('group-password: refuses groups without exactly one shared password with 422', async () => {
      const d = domain();
      await createGroup(`nopw-${run}`);
      await createGroup(`pw-a-${run}`, { password: SHARED_PASSWORD });
      await createGroup(`pw-b-${run}`, { password: SHARED_PASSWORD });
      const before = await counts();
      for (const groups of [[], [`nopw-${run}`], [`pw-a-${run}`, `pw-b-${run}`]]) {
        const res = await admin.post('/api/contacts/bulk', {
          accountId: account.id,
          text: `gpx@${d},X,Y`,
          customerGroups: groups,
          logins: 'group-password',
        });
        expect(res.statusCode, JSON.stringify(groups)).toBe(422);
        expect(res.json().error.message).toMatch(/Choose (a|one) customer group that has a shared password/);
      }
      expect(await counts()).toEqual(before);
    });

    it('applies a validity window given with the request to any login', async () => {
      const d = domain();
      const out = await bulk({
        text: `win@${d},Win,Dow`,
        logins: 'generated',
        loginValidFrom: '2020-01-01',
        loginValidUntil: '2020-12-31',
      });
      const [row] = await contactsOf(d);
      expect(row!.login_valid_from!.toISOString()).toBe('2020-01-01T00:00:00.000Z');
      expect(row!.login_valid_until!.toISOString()).toBe('2021-01-01T00:00:00.000Z');
      const res = await signIn(`win@${d}`, out.results[0]!.password!);
      expect(res.json().error.message).toBe('Your login has expired');
      const backwards = await admin.post('/api/contacts/bulk', {
        accountId: account.id,
        text: `win2@${d},Win,Dow`,
        loginValidFrom: '2021-01-01',
        loginValidUntil: '2020-01-01',
      });
      expect(backwards.statusCode).toBe(400);
      expect(backwards.json().error.details).toContainEqual(
        expect.objectContaining({ path: 'loginValidUntil' }),
      );
    });
  });

  describe('all or nothing', () => {
    it('stores nothing when one line is invalid, answering 422 with every line as it would have been', async () => {
      const d = domain();
      await bulk({ text: `there@${d},Al,Ready` });
      const group = await createGroup(`aon-${run}`);
      const before = await counts();
      const res = await admin.post('/api/contacts/bulk', {
        text: `aon1@${d},A,One\nthere@${d},Al,Ready\nbroken-email,B,Two\naon3@${d},C,Three`,
        customerGroups: [`aon-${run}`],
        logins: 'activation',
        allOrNothing: true,
      });
      expect(res.statusCode).toBe(422);
      const error = res.json().error;
      expect(error.code).toBe('unprocessable');
      expect(error.message).toBe('1 of 4 lines is not valid; nothing was stored');
      expect(error.details).toMatchObject({ created: 2, exists: 1, invalid: 1 });
      expect(error.details.results.map((r: LineResult) => [r.line, r.status])).toEqual([
        [1, 'created'],
        [2, 'exists'],
        [3, 'invalid'],
        [4, 'created'],
      ]);
      expect(error.details.results[2].error).toBe('email: Enter a valid email address');
      expect(await counts()).toEqual(before);
      expect((await admin.get(`/api/customer-groups/${group}`)).json().contactCount).toBe(0);
      const emails = await db()
        .selectFrom('emails')
        .select('id')
        .where('to_address', 'like', `%@${d}`)
        .execute();
      expect(emails).toEqual([]);
    });

    it('stores every line when all are valid', async () => {
      const d = domain();
      const before = await counts();
      const out = await bulk({
        accountId: undefined,
        text: `all1@${d},A,One\nall2@${d},A,Two`,
        allOrNothing: true,
      });
      expect(out).toMatchObject({ created: 2, invalid: 0 });
      expect(await counts()).toEqual({ contacts: before.contacts + 2, accounts: before.accounts + 2 });
    });
  });
});
