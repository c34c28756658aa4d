import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { isWebmail } from './approvals.service.ts';

type Approval = {
  account: {
    id: string;
    kind: string;
    name: string;
    number: string;
    createdAt: string;
    billingAddress: Record<string, string | null> | null;
  };
  contacts: { id: string; email: string; firstName: string; lastName: string; phone: string | null }[];
  waitingSeconds: number;
  suspectedDuplicates: { accountId: string; name: string; number: string; reason: string }[];
};

let n = 0;

describe('approvals API', () => {
  let t: TestApp;
  type Employee = Client & { id: string; email: string };
  let admin: Employee;
  let approver: Employee;
  let second: Employee;
  const existing: Record<string, { id: string; number: string }> = {};

  const db = () => t.deps.database.db;

  /** A self-registered account waiting for approval, as the storefront sign-up writes it. */
  async function pendingAccount(
    name: string,
    contacts: { email: string; firstName?: string; status?: 'pending' | 'active' }[],
    options: { kind?: 'business' | 'personal'; hoursAgo?: number; address?: boolean } = {},
  ): Promise<{ id: string; contactIds: string[] }> {
    const createdAt = new Date(Date.now() - (options.hoursAgo ?? 0) * 3600_000);
    const { id } = await db()
      .insertInto('accounts')
      .values({
        scope_id: t.deps.scopeId,
        kind: options.kind ?? 'business',
        name,
        code: null,
        number: `P${++n}${Date.now()}`,
        status: 'pending',
        self_registered: true,
        payment_terms: null,
        price_group: null,
        sales_rep_code: null,
        erp_synced_at: null,
        custom: '{}',
        created_at: createdAt,
        updated_at: createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const contactIds: string[] = [];
    for (const [i, c] of contacts.entries()) {
      const contact = await db()
        .insertInto('contacts')
        .values({
          scope_id: t.deps.scopeId,
          email: c.email,
          first_name: c.firstName ?? 'Pat',
          last_name: `Pending ${n}`,
          phone: i === 0 ? '+1 555 0100' : null,
          work_phone: null,
          status: c.status ?? 'pending',
          password_hash: null,
          custom: '{}',
          created_at: createdAt,
          updated_at: createdAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db()
        .insertInto('contact_accounts')
        .values({ contact_id: contact.id, account_id: id, is_primary: i === 0 })
        .execute();
      contactIds.push(contact.id);
    }
    if (options.address !== false) {
      const address = (line1: string, isDefault: boolean) => ({
        account_id: id,
        contact_id: null,
        type: 'billing' as const,
        is_default: isDefault,
        name: null,
        line1,
        line2: null,
        city: 'Portland',
        postal_code: '97201',
        region: 'OR',
        country: 'US',
      });
      await db()
        .insertInto('addresses')
        .values([address('1 Old Road', false), address('1200 Harbor Way', true)])
        .execute();
    }
    return { id, contactIds };
  }

  async function accountWithContact(name: string, email: string) {
    const account = (await admin.post('/api/accounts', { kind: 'business', name })).json<{
      id: string;
      number: string;
    }>();
    const res = await admin.post(`/api/accounts/${account.id}/contacts`, {
      email,
      firstName: 'Existing',
      lastName: 'Customer',
    });
    expect(res.statusCode, res.body).toBe(201);
    return account;
  }

  const emailsTo = (address: string) =>
    db()
      .selectFrom('emails')
      .select(['template_key', 'subject', 'text', 'html', 'contact_id'])
      .where('to_address', '=', address)
      .execute();
  const statusOf = async (table: 'accounts' | 'contacts', id: string) =>
    (await db().selectFrom(table).select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
  const list = async (client: Client = approver) => {
    const res = await client.get('/api/approvals');
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ items: Approval[]; count: number }>();
  };

  beforeAll(async () => {
    t = await createTestApp();
    [admin, approver, second] = await Promise.all([
      t.employee(['administrator']),
      t.employee(['approvalsManage']),
      t.employee(['approvalsManage']),
    ]);
    existing.mueller = await accountWithContact('Müller Hydraulik GmbH', 'einkauf@mueller-hydraulik.de');
    existing.gmail = await accountWithContact('Someone Else', 'someone.else@gmail.com');
    existing.gmx = await accountWithContact('Gmx User', 'user@gmx.de');
    existing.acme = await accountWithContact('Acme Industrial', 'buyer@acme.example');
  });
  afterAll(() => t.close());

  describe('the queue', () => {
    let byName: { id: string };
    let byDomain: { id: string };
    let webmail: { id: string };

    beforeAll(async () => {
      byDomain = await pendingAccount('MH Systems', [{ email: 'jan@Mueller-Hydraulik.de' }], { hoursAgo: 2 });
      byName = await pendingAccount('MULLER hydraulik gmbh', [{ email: 'info@muller-new.example' }], {
        hoursAgo: 3,
      });
      webmail = await pendingAccount(
        'Jo Private',
        [{ email: 'jo.private@gmail.com' }, { email: 'x@gmx.de' }],
        {
          kind: 'personal',
          hoursAgo: 1,
          address: false,
        },
      );
    });

    it('lists pending accounts oldest first, with contacts, billing address and waiting time', async () => {
      const { items, count } = await list();
      expect(count).toBe(3);
      expect(items.map((i) => i.account.id)).toEqual([byName.id, byDomain.id, webmail.id]);
      const first = items[0]!;
      expect(first.account).toMatchObject({
        kind: 'business',
        name: 'MULLER hydraulik gmbh',
        billingAddress: {
          line1: '1200 Harbor Way',
          line2: null,
          city: 'Portland',
          postalCode: '97201',
          region: 'OR',
          country: 'US',
        },
      });
      expect(first.contacts).toEqual([
        {
          id: expect.any(String),
          email: 'info@muller-new.example',
          firstName: 'Pat',
          lastName: expect.any(String),
          phone: '+1 555 0100',
        },
      ]);
      expect(first.waitingSeconds).toBeGreaterThanOrEqual(3 * 3600 - 5);
      expect(first.waitingSeconds).toBeLessThan(3 * 3600 + 120);
      expect(items[2]!.account).toMatchObject({ kind: 'personal', billingAddress: null });
      expect(items[2]!.contacts.map((c) => c.email)).toEqual(['jo.private@gmail.com', 'x@gmx.de']);
    });

    it('suspects duplicates by name, whatever case and accents, and by email domain, not by webmail', async () => {
      const { items } = await list();
      const of = (id: string) => items.find((i) => i.account.id === id)!.suspectedDuplicates;
      expect(of(byName.id)).toEqual([
        {
          accountId: existing.mueller!.id,
          name: 'Müller Hydraulik GmbH',
          number: existing.mueller!.number,
          reason: 'Same name',
        },
      ]);
      expect(of(byDomain.id)).toEqual([
        {
          accountId: existing.mueller!.id,
          name: 'Müller Hydraulik GmbH',
          number: existing.mueller!.number,
          reason: 'Same email domain (mueller-hydraulik.de)',
        },
      ]);
      // gmail.com and gmx.de are shared by strangers; and pending accounts are not compared with each other.
      expect(of(webmail.id)).toEqual([]);
    });

    it('knows the common webmail domains', () => {
      for (const d of ['gmail.com', 'outlook.com', 'hotmail.com', 'yahoo.com', 'icloud.com', 'aol.com'])
        expect(isWebmail(d)).toBe(true);
      for (const d of ['gmx.de', 'gmx.net', 'gmx.at', 'web.de', 'proton.me', 'protonmail.com'])
        expect(isWebmail(d)).toBe(true);
      for (const d of ['acme.example', 'gmx-tools.de', 'mygmail.com', 'web.de.example'])
        expect(isWebmail(d)).toBe(false);
    });

    it('shows at most five suspected duplicates per request', async () => {
      for (let i = 0; i < 6; i++) await accountWithContact(`Many Co ${i}`, `p${i}@many.example`);
      const pending = await pendingAccount('Many Co 0', [{ email: 'new@many.example' }]);
      const item = (await list()).items.find((i) => i.account.id === pending.id)!;
      expect(item.suspectedDuplicates).toHaveLength(5);
      expect(item.suspectedDuplicates[0]).toMatchObject({
        name: 'Many Co 0',
        reason: 'Same name; Same email domain (many.example)',
      });
      await db().deleteFrom('accounts').where('id', '=', pending.id).execute();
    });

    it('counts pending requests for the navigation', async () => {
      const res = await approver.get('/api/approvals/count');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ count: 3 });
    });
  });

  describe('approving', () => {
    it('activates the account and its waiting contacts and emails each of them once', async () => {
      const a = await pendingAccount('Approve Me Ltd', [
        { email: 'first@approve.example', firstName: 'Ada' },
        { email: 'second@approve.example', firstName: 'Bo' },
      ]);
      const countBefore = (await approver.get('/api/approvals/count')).json<{ count: number }>().count;
      const res = await approver.post(`/api/accounts/${a.id}/approve`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ id: a.id, status: 'active', name: 'Approve Me Ltd' });
      expect(await statusOf('contacts', a.contactIds[0]!)).toBe('active');
      expect(await statusOf('contacts', a.contactIds[1]!)).toBe('active');
      const stored = await db()
        .selectFrom('accounts')
        .select(['approved_at', 'approved_by', 'rejected_at'])
        .where('id', '=', a.id)
        .executeTakeFirstOrThrow();
      expect(stored.approved_at).toBeInstanceOf(Date);
      expect(stored.approved_by).toBe(approver.email);
      expect(stored.rejected_at).toBeNull();

      const first = await emailsTo('first@approve.example');
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({ template_key: 'account-approved', contact_id: a.contactIds[0] });
      expect(first[0]!.text).toContain('Good news, Ada');
      expect(first[0]!.text).toContain('Approve Me Ltd');
      expect(first[0]!.text).toContain('http://clientele.test/store/sign-in');
      expect(await emailsTo('second@approve.example')).toHaveLength(1);
      expect((await approver.get('/api/approvals/count')).json().count).toBe(countBefore - 1);
      expect((await list()).items.map((i) => i.account.id)).not.toContain(a.id);

      const audit = await db()
        .selectFrom('audit_log')
        .select(['action', 'actor_id', 'before', 'after'])
        .where('entity_id', '=', a.id)
        .execute();
      expect(audit).toEqual([
        {
          action: 'account.approved',
          actor_id: approver.id,
          before: { status: 'pending' },
          after: {
            status: 'active',
            activatedContactIds: a.contactIds,
            emailIds: expect.any(Array),
          },
        },
      ]);
    });

    it('leaves contacts that were not waiting as they are, and sends them nothing', async () => {
      const a = await pendingAccount('Mixed Ltd', [
        { email: 'waiting@mixed.example' },
        { email: 'disabled@mixed.example' },
      ]);
      await db()
        .updateTable('contacts')
        .set({ status: 'disabled' })
        .where('id', '=', a.contactIds[1]!)
        .execute();
      expect((await approver.post(`/api/accounts/${a.id}/approve`)).statusCode).toBe(200);
      expect(await statusOf('contacts', a.contactIds[1]!)).toBe('disabled');
      expect(await emailsTo('disabled@mixed.example')).toHaveLength(0);
      expect(await emailsTo('waiting@mixed.example')).toHaveLength(1);
    });

    it('approves once when two employees approve at the same moment: one 200, one 409, one email', async () => {
      const a = await pendingAccount('Race Ltd', [{ email: 'race@race.example' }]);
      const results = await Promise.all([
        approver.post(`/api/accounts/${a.id}/approve`),
        second.post(`/api/accounts/${a.id}/approve`),
      ]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
      const refused = results.find((r) => r.statusCode === 409)!;
      expect(refused.json().error).toMatchObject({
        code: 'conflict',
        message: expect.stringContaining('already approved'),
      });
      expect(await emailsTo('race@race.example')).toHaveLength(1);
      const approvals = await db()
        .selectFrom('audit_log')
        .select('action')
        .where('entity_id', '=', a.id)
        .execute();
      expect(approvals).toEqual([{ action: 'account.approved' }]);
    });

    it('refuses an account that is not waiting (409) or does not exist (404)', async () => {
      const active = (await admin.post('/api/accounts', { kind: 'business', name: 'Always Active' })).json<{
        id: string;
      }>();
      const res = await approver.post(`/api/accounts/${active.id}/approve`);
      expect(res.statusCode).toBe(409);
      expect(res.json().error.message).toContain('not waiting for approval');
      expect(
        (await approver.post('/api/accounts/00000000-0000-4000-8000-000000000000/approve')).statusCode,
      ).toBe(404);
    });
  });

  describe('rejecting', () => {
    it('disables the account and its waiting contacts and tells each of them the reason', async () => {
      const a = await pendingAccount('Reject Me Ltd', [{ email: 'no@reject.example', firstName: 'Cy' }]);
      const reason = 'We only sell to registered plumbing businesses.';
      const res = await approver.post(`/api/accounts/${a.id}/reject`, { reason: `  ${reason} ` });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ id: a.id, status: 'disabled' });
      expect(await statusOf('contacts', a.contactIds[0]!)).toBe('disabled');
      const stored = await db()
        .selectFrom('accounts')
        .select(['rejected_at', 'rejection_reason', 'approved_at'])
        .where('id', '=', a.id)
        .executeTakeFirstOrThrow();
      expect(stored).toMatchObject({ rejection_reason: reason, approved_at: null });
      expect(stored.rejected_at).toBeInstanceOf(Date);
      const emails = await emailsTo('no@reject.example');
      expect(emails).toHaveLength(1);
      expect(emails[0]!.template_key).toBe('account-rejected');
      expect(emails[0]!.text).toContain(reason);
      expect(emails[0]!.html).toContain(reason);
      expect(emails[0]!.text).toContain('Hello Cy');
      const audit = await db()
        .selectFrom('audit_log')
        .select(['action', 'after'])
        .where('entity_id', '=', a.id)
        .executeTakeFirstOrThrow();
      expect(audit).toMatchObject({ action: 'account.rejected', after: { status: 'disabled', reason } });

      // Decided is decided: neither approving nor rejecting again changes anything.
      const again = await second.post(`/api/accounts/${a.id}/approve`);
      expect(again.statusCode).toBe(409);
      expect(again.json().error.message).toContain('already rejected');
      expect((await second.post(`/api/accounts/${a.id}/reject`, { reason: 'Twice' })).statusCode).toBe(409);
      expect(await emailsTo('no@reject.example')).toHaveLength(1);
    });

    it('requires a reason', async () => {
      const a = await pendingAccount('No Reason Ltd', [{ email: 'why@reason.example' }]);
      const res = await approver.post(`/api/accounts/${a.id}/reject`, { reason: '  ' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toEqual([{ path: 'reason', message: 'Required' }]);
      expect(await statusOf('accounts', a.id)).toBe('pending');
    });
  });

  describe('permissions', () => {
    it('needs approvals.manage for the queue, the count and the decisions', async () => {
      const a = await pendingAccount('Guarded Ltd', [{ email: 'guard@guarded.example' }]);
      for (const roles of [['companyEdit'], ['settingsEdit']] as const) {
        const e = await t.employee([...roles]);
        expect((await e.get('/api/approvals')).statusCode).toBe(403);
        expect((await e.get('/api/approvals/count')).statusCode).toBe(403);
        expect((await e.post(`/api/accounts/${a.id}/approve`)).statusCode).toBe(403);
        expect((await e.post(`/api/accounts/${a.id}/reject`, { reason: 'No' })).statusCode).toBe(403);
      }
      expect((await t.anonymous.get('/api/approvals/count')).statusCode).toBe(401);
      expect(await statusOf('accounts', a.id)).toBe('pending');
      expect(await emailsTo('guard@guarded.example')).toHaveLength(0);
      // Administrators hold every permission.
      expect((await admin.get('/api/approvals/count')).statusCode).toBe(200);
    });
  });
});
