import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import { AppError } from '../../lib/errors.ts';
import { creationConflict } from './contact-create.service.ts';
import { insertNewContact } from './contacts.repository.ts';

/**
 * Creating a contact writes everything in one chain and reads nothing back: what it answers, audits and
 * publishes is built from what it read before. These tests hold that to what a read shows afterwards.
 */
describe('creating a contact in one read and one write', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let accountId: string;
  let n = 0;
  const email = (label: string) => `${label}${++n}@create.test`;
  const db = () => t.deps.database.db;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    const ok = async (res: Promise<{ statusCode: number; body: string }>) => {
      const r = await res;
      expect(r.statusCode, r.body).toBeLessThan(300);
      return JSON.parse(r.body) as { id: string };
    };
    accountId = (await ok(admin.post('/api/accounts', { kind: 'business', name: 'Create Co', code: 'CC' })))
      .id;
    await ok(admin.post('/api/roles', { key: 'buyer', name: 'Buyer' }));
    await ok(admin.post('/api/roles', { key: 'approver', name: 'Approver' }));
    await ok(admin.post('/api/roles', { key: 'viewer', name: 'Viewer' }));
    await ok(
      admin.post('/api/group-roles', {
        key: 'purchasing',
        name: 'Purchasing',
        roles: ['approver', 'viewer'],
      }),
    );
    await ok(admin.post('/api/customer-groups', { key: 'vip', name: 'VIP' }));
    await ok(admin.post('/api/customer-groups', { key: 'newsletter', name: 'Newsletter' }));
    const dealers = await ok(admin.post('/api/customer-groups', { key: 'dealers', name: 'Dealers' }));
    await ok(
      admin.patch(`/api/customer-groups/${dealers.id}`, {
        password: 'shared-secret-of-dealers',
        loginValidFrom: '2026-01-01T00:00:00.000Z',
        loginValidUntil: '2099-12-31T23:59:59.000Z',
      }),
    );
    await ok(admin.patch('/api/settings', { languages: ['en', 'de'] }));
    for (const def of [
      { key: 'department', type: 'text', label: 'Department' },
      { key: 'seats', type: 'number', label: 'Seats' },
      { key: 'vegan', type: 'boolean', label: 'Vegan' },
      {
        key: 'topics',
        type: 'multiselect',
        label: 'Topics',
        options: [
          { value: 'tools', label: 'Tools' },
          { value: 'paint', label: 'Paint' },
        ],
      },
    ])
      await ok(admin.post('/api/attributes', { entity: 'contact', ...def }));
  });
  afterAll(() => t.close());

  const eventOf = (id: string) =>
    db()
      .selectFrom('events')
      .select(['type', 'account_id', 'data'])
      .where('type', '=', 'contact.created')
      .where(sql<string>`data->>'id'`, '=', id)
      .execute();

  it('answers, audits and publishes the contact exactly as a read shows it afterwards', async () => {
    const res = await admin.post('/api/contacts', {
      accountId,
      email: email('full'),
      firstName: 'Frida',
      lastName: 'Full',
      phone: '+49 30 1234',
      workPhone: '+49 30 5678',
      language: 'de',
      roles: ['viewer', 'buyer', 'buyer'],
      groupRoles: ['purchasing'],
      customerGroups: ['VIP', 'newsletter', 'Dealers'],
      attributes: { topics: ['paint', 'tools'], vegan: true, seats: 12.5, department: ' Purchasing ' },
      login: { mode: 'shared-password' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json<{ id: string }>();
    const read = (await admin.get(`/api/contacts/${created.id}`)).json();
    expect(created).toEqual(read);
    expect(read).toMatchObject({
      roles: ['buyer', 'viewer'],
      groupRoles: ['purchasing'],
      effectiveRoles: ['approver', 'buyer', 'viewer'],
      customerGroups: ['dealers', 'newsletter', 'vip'],
      attributes: { topics: ['paint', 'tools'], vegan: true, seats: 12.5, department: 'Purchasing' },
      hasLogin: true,
      loginValidFrom: '2026-01-01T00:00:00.000Z',
      loginValidUntil: '2099-12-31T23:59:59.000Z',
      account: { id: accountId, name: 'Create Co', code: 'CC' },
    });
    // The attributes come in the order a read gives them, not the order they were sent.
    expect(JSON.stringify(created)).toBe(JSON.stringify(read));
    expect(await eventOf(created.id)).toEqual([
      { type: 'contact.created', account_id: accountId, data: read },
    ]);
    const audits = await db()
      .selectFrom('audit_log')
      .select(['action', 'entity_type', 'after'])
      .where((eb) =>
        eb.or([eb('entity_id', '=', created.id), eb('action', '=', 'customerGroup.members_added')]),
      )
      .where('request_id', 'is not', null)
      .orderBy('id')
      .execute();
    const joined = audits.filter((a) => a.action === 'customerGroup.members_added');
    expect(joined.filter((a) => JSON.stringify(a.after).includes(created.id))).toHaveLength(3);
    expect(audits.find((a) => a.action === 'contact.created')?.after).toEqual({
      email: read.email,
      firstName: 'Frida',
      lastName: 'Full',
      phone: '+49 30 1234',
      workPhone: '+49 30 5678',
      language: 'de',
      status: 'active',
      roles: ['buyer', 'viewer'],
      groupRoles: ['purchasing'],
      customerGroups: ['dealers', 'newsletter', 'vip'],
      accountIds: [accountId],
      attributes: read.attributes,
      loginValidFrom: '2026-01-01T00:00:00.000Z',
      loginValidUntil: '2099-12-31T23:59:59.000Z',
      login: 'shared-password',
    });
    // created_at is the transaction's time, to the microsecond, as the column's default gives it.
    const row = await db()
      .selectFrom('contacts')
      .select(['created_at', 'updated_at'])
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(row.created_at.toISOString()).toBe(read.createdAt);
    expect(row.updated_at).toEqual(row.created_at);
  });

  it('answers a generated password once, and otherwise the contact as read', async () => {
    const res = await admin.post('/api/contacts', {
      accountId,
      email: email('generated'),
      firstName: 'Gene',
      lastName: 'Rated',
      login: { mode: 'generated-password' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const { password, ...created } = res.json<{ id: string; password: string }>();
    expect(password).toMatch(/.{8,}/);
    expect(created).toEqual((await admin.get(`/api/contacts/${created.id}`)).json());
    expect(JSON.stringify(await eventOf(created.id))).not.toContain(password);
  });

  it('reports problems in order: account, then mandatory fields and attributes in one 422, then the rest', async () => {
    const body = {
      accountId,
      email: email('order'),
      firstName: 'Or',
      lastName: 'Der',
      language: 'fr',
      customerGroups: ['nope'],
      roles: ['ghost'],
      groupRoles: ['phantom'],
      attributes: { seats: 'many' },
    };
    await admin.patch('/api/settings', { requiredFields: { account: [], contact: ['phone'] } });
    try {
      const missingAccount = await admin.post('/api/contacts', { ...body, accountId: randomUUID() });
      expect(missingAccount.statusCode).toBe(404);
      expect(missingAccount.json().error.message).toBe('The account was not found');
      const required = await admin.post('/api/contacts', body);
      expect(required.statusCode).toBe(422);
      // As every write does: the missing fields and the attributes' problems named together.
      expect(required.json().error.details).toEqual([
        { path: 'phone', message: expect.any(String) },
        { path: 'attributes.seats', message: 'Seats must be a number' },
      ]);
    } finally {
      await admin.patch('/api/settings', { requiredFields: { account: [], contact: [] } });
    }
    const attribute = await admin.post('/api/contacts', body);
    expect(attribute.json().error).toMatchObject({
      message: 'Seats must be a number',
      details: [{ path: 'attributes.seats', message: 'Seats must be a number' }],
    });
    const together = await admin.post('/api/contacts', { ...body, attributes: {} });
    expect(together.statusCode).toBe(422);
    expect(together.json().error.details.map((d: { path: string }) => d.path)).toEqual([
      'language',
      'customerGroups',
    ]);
    expect(together.json().error.message).toMatch(/^Check the contact: The language “fr” is not enabled/);
    const roles = await admin.post('/api/contacts', {
      ...body,
      attributes: {},
      language: 'de',
      customerGroups: [],
    });
    expect(roles.json().error).toMatchObject({
      message: 'Unknown role: ghost',
      details: [{ path: 'roles', message: 'Unknown role: ghost' }],
    });
    const groupRoles = await admin.post('/api/contacts', {
      ...body,
      attributes: {},
      language: 'de',
      customerGroups: [],
      roles: [],
    });
    expect(groupRoles.json().error.details).toEqual([
      { path: 'groupRoles', message: 'Unknown group role: phantom' },
    ]);
    const stored = await db().selectFrom('contacts').select('id').where('email', '=', body.email).execute();
    expect(stored).toEqual([]);
  });

  it('refuses, as missing, an account an employee limited to assigned accounts does not reach', async () => {
    const other = (await admin.post('/api/accounts', { kind: 'business', name: 'Not Assigned' })).json<{
      id: string;
    }>();
    const scoped = await t.employee(['crmCompanyEdit'], { assignedAccountIds: [accountId] });
    const body = { email: email('scoped'), firstName: 'Sco', lastName: 'Ped' };
    const refused = await scoped.post('/api/contacts', { ...body, accountId: other.id });
    expect(refused.statusCode).toBe(404);
    expect(refused.json().error.message).toBe('The account was not found');
    const created = await scoped.post('/api/contacts', { ...body, accountId });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toEqual(
      (await scoped.get(`/api/contacts/${created.json<{ id: string }>().id}`)).json(),
    );
  });

  it('leaves nothing of the chain behind when the email is taken', async () => {
    const address = email('taken');
    const first = await admin.post('/api/contacts', {
      accountId,
      email: address,
      firstName: 'A',
      lastName: 'B',
    });
    expect(first.statusCode).toBe(201);
    const [events, audits, emails, tokens] = await Promise.all(
      (['events', 'audit_log', 'emails', 'one_time_tokens'] as const).map(async (table) =>
        Number(
          (
            await db()
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        ),
      ),
    );
    const again = await admin.post('/api/contacts', {
      accountId,
      email: address.toUpperCase(),
      firstName: 'A',
      lastName: 'B',
      customerGroups: ['vip'],
      sendEmail: 'accountactivation',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.details).toEqual([
      { path: 'email', message: 'Already used by another contact' },
    ]);
    const after = await Promise.all(
      (['events', 'audit_log', 'emails', 'one_time_tokens'] as const).map(async (table) =>
        Number(
          (
            await db()
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        ),
      ),
    );
    expect(after).toEqual([events, audits, emails, tokens]);
  });

  it('answers a role, group role or account deleted between the check and the insert as the check would', async () => {
    const row = (id: string) => ({
      id,
      scope_id: t.deps.scopeId,
      email: `${id}@race.test`,
      first_name: 'Ra',
      last_name: 'Ce',
      status: 'active' as const,
    });
    type Links = Parameters<typeof insertNewContact>[2];
    const links: Links = { accountId, roleIds: [], groupRoleIds: [], customerGroupIds: [] };
    const cases: [Links, string, string | undefined][] = [
      [{ ...links, accountId: randomUUID() }, 'not_found', undefined],
      [{ ...links, roleIds: [randomUUID()] }, 'unprocessable', 'roles'],
      [{ ...links, groupRoleIds: [randomUUID()] }, 'unprocessable', 'groupRoles'],
    ];
    for (const [broken, code, path] of cases) {
      const err = await db()
        .transaction()
        .execute((tx) => insertNewContact(tx, row(randomUUID()), broken))
        .then(
          () => null,
          (e: unknown) => e,
        );
      const mapped = creationConflict(err);
      expect(mapped, String(err)).toBeInstanceOf(AppError);
      expect((mapped as AppError).code).toBe(code);
      if (path) expect((mapped as AppError).details).toEqual([{ path, message: expect.any(String) }]);
    }
    expect(creationConflict(new Error('something else'))).toBeUndefined();
  });
});
