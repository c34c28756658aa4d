import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';
import type { AttributeDefinition } from '../../../contracts/attributes.ts';

describe('custom attributes API', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let viewer: Client & { id: string };
  let settings: Client & { id: string };
  let accountId: string;
  let n = 0;

  beforeAll(async () => {
    t = await createTestApp();
    [admin, viewer, settings] = await Promise.all([
      t.employee(['administrator']),
      t.employee(['companyView']),
      t.employee(['settingsEdit']),
    ]);
    accountId = (await admin.post('/api/accounts', { kind: 'business', name: 'Attr Co' })).json().id;
  });
  afterAll(() => t.close());

  const db = () => t.deps.database.db;
  const define = async (body: Record<string, unknown>, by: Client = admin) => {
    const res = await by.post('/api/attributes', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json<AttributeDefinition>();
  };
  const auditOf = (id: string) =>
    db()
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'before', 'after'])
      .where('entity_id', '=', id)
      .orderBy('id')
      .execute();
  const addContact = async (extra: Record<string, unknown> = {}) =>
    admin.post(`/api/accounts/${accountId}/contacts`, {
      email: `attr${++n}@attributes.test`,
      firstName: 'At',
      lastName: `Tribute ${n}`,
      ...extra,
    });

  describe('definitions', () => {
    it('creates, lists, reads and updates a definition, audited', async () => {
      const def = await define(
        {
          entity: 'account',
          key: 'industry',
          type: 'select',
          label: 'Industry',
          labels: { de: 'Branche' },
          options: [
            { value: 'retail', label: 'Retail' },
            { value: 'food', label: 'Food' },
          ],
          filterable: true,
          showInList: true,
          position: 2,
        },
        settings,
      );
      expect(def).toMatchObject({
        entity: 'account',
        key: 'industry',
        type: 'select',
        labels: { de: 'Branche' },
        mandatory: false,
        filterable: true,
        archived: false,
      });
      const list = (await viewer.get('/api/attributes?entity=account')).json<{
        items: AttributeDefinition[];
      }>();
      expect(list.items.map((d) => d.key)).toContain('industry');
      expect((await settings.get(`/api/attributes/${def.id}`)).json().label).toBe('Industry');
      const patched = await admin.patch(`/api/attributes/${def.id}`, {
        label: 'Sector',
        helpText: 'Main line',
      });
      expect(patched.statusCode, patched.body).toBe(200);
      expect(patched.json()).toMatchObject({ label: 'Sector', helpText: 'Main line', key: 'industry' });
      const audit = await auditOf(def.id);
      expect(audit.map((a) => a.action)).toEqual(['attribute.created', 'attribute.updated']);
      expect(audit[1]!.after).toMatchObject({ label: 'Sector' });
    });

    it('refuses bad keys, duplicate keys and choices without options', async () => {
      expect(
        (await admin.post('/api/attributes', { entity: 'contact', key: 'Bad Key', type: 'text', label: 'X' }))
          .statusCode,
      ).toBe(400);
      await define({ entity: 'contact', key: 'dup', type: 'text', label: 'Dup' });
      const dup = await admin.post('/api/attributes', {
        entity: 'contact',
        key: 'dup',
        type: 'text',
        label: 'Dup',
      });
      expect(dup.statusCode).toBe(409);
      expect(dup.json().error.details[0].path).toBe('key');
      // The same key on the other entity is another attribute.
      await define({ entity: 'account', key: 'dup', type: 'text', label: 'Dup' });
      const noOptions = await admin.post('/api/attributes', {
        entity: 'contact',
        key: 'size',
        type: 'select',
        label: 'Size',
      });
      expect(noOptions.statusCode).toBe(422);
      expect(noOptions.json().error.details[0].path).toBe('options');
    });

    it('lets only settings writers change definitions', async () => {
      const res = await viewer.post('/api/attributes', {
        entity: 'contact',
        key: 'nope',
        type: 'text',
        label: 'No',
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.details.permission).toBe('settings.write');
    });
  });

  describe('values', () => {
    it('reads and writes values on accounts and contacts, merging on PATCH and clearing with null', async () => {
      await define({ entity: 'account', key: 'employees', type: 'number', label: 'Employees' });
      await define({ entity: 'contact', key: 'birthday', type: 'date', label: 'Birthday' });
      await define({ entity: 'contact', key: 'newsletter', type: 'boolean', label: 'Newsletter' });
      const created = await admin.post('/api/accounts', {
        kind: 'business',
        name: 'Valued Co',
        attributes: { employees: 12, industry: 'food' },
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json().attributes).toEqual({ employees: 12, industry: 'food' });
      const id = created.json().id;
      const patched = await admin.patch(`/api/accounts/${id}`, { attributes: { employees: null } });
      expect(patched.json().attributes).toEqual({ industry: 'food' });
      const listed = (await admin.get('/api/accounts?q=Valued')).json().items[0];
      expect(listed.attributes).toEqual({ industry: 'food' });

      const contact = await addContact({ attributes: { birthday: '1990-02-28', newsletter: true } });
      expect(contact.statusCode, contact.body).toBe(201);
      const cid = contact.json().id;
      const merged = await admin.patch(`/api/contacts/${cid}`, { attributes: { newsletter: false } });
      expect(merged.json().attributes).toEqual({ birthday: '1990-02-28', newsletter: false });
      expect((await admin.get(`/api/contacts/${cid}`)).json().attributes).toEqual({
        birthday: '1990-02-28',
        newsletter: false,
      });
      const audit = await auditOf(cid);
      expect(audit.at(-1)).toMatchObject({
        action: 'contact.updated',
        before: { attributes: { birthday: '1990-02-28', newsletter: true } },
        after: { attributes: { birthday: '1990-02-28', newsletter: false } },
      });
    });

    it('answers 422 naming the attribute and why', async () => {
      const cases: [Record<string, unknown>, string, string][] = [
        [{ nosuch: 'x' }, 'attributes.nosuch', 'Unknown attribute "nosuch"'],
        [{ employees: 'many' }, 'attributes.employees', 'Employees must be a number'],
        [{ industry: 'mining' }, 'attributes.industry', 'Sector: "mining" is not one of the options'],
      ];
      for (const [attributes, path, message] of cases) {
        const res = await admin.post('/api/accounts', { kind: 'business', name: 'Bad', attributes });
        expect(res.statusCode, res.body).toBe(422);
        expect(res.json().error.details).toContainEqual({ path, message });
      }
      const bad = await addContact({ attributes: { birthday: '2026-02-30' } });
      expect(bad.json().error.details).toContainEqual({
        path: 'attributes.birthday',
        message: 'Birthday must be a date such as 2026-12-31',
      });
    });

    it('enforces mandatory attributes on create and refuses clearing them', async () => {
      const def = await define({
        entity: 'contact',
        key: 'vat_id',
        type: 'text',
        label: 'VAT id',
        mandatory: true,
      });
      const missing = await addContact();
      expect(missing.statusCode).toBe(422);
      expect(missing.json().error).toMatchObject({
        message: 'VAT id is required',
        details: [{ path: 'attributes.vat_id', message: 'VAT id is required' }],
      });
      const ok = await addContact({ attributes: { vat_id: 'DE123' } });
      expect(ok.statusCode, ok.body).toBe(201);
      const cleared = await admin.patch(`/api/contacts/${ok.json().id}`, { attributes: { vat_id: null } });
      expect(cleared.statusCode).toBe(422);
      // Other edits of a contact stay possible.
      expect((await admin.patch(`/api/contacts/${ok.json().id}`, { firstName: 'Ok' })).statusCode).toBe(200);
      await admin.delete(`/api/attributes/${def.id}`);
    });

    it('filters lists by filterable attributes with attr.<key>', async () => {
      const res = await admin.get('/api/accounts?attr.industry=food');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().items.map((a: { name: string }) => a.name)).toEqual(['Valued Co']);
      const notFilterable = await admin.get('/api/accounts?attr.employees=12');
      expect(notFilterable.statusCode).toBe(422);
      expect(notFilterable.json().error.details[0].path).toBe('attr.employees');
      expect((await admin.get('/api/contacts?attr.nosuch=1')).statusCode).toBe(422);
      await define({
        entity: 'contact',
        key: 'tier',
        type: 'select',
        label: 'Tier',
        filterable: true,
        options: [
          { value: 'gold', label: 'Gold' },
          { value: 'silver', label: 'Silver' },
        ],
      });
      const gold = (await addContact({ attributes: { tier: 'gold' } })).json().id;
      await addContact({ attributes: { tier: 'silver' } });
      const found = await admin.get('/api/contacts?attr.tier=gold');
      expect(found.json().items.map((c: { id: string }) => c.id)).toEqual([gold]);
    });
  });

  describe('changing definitions never loses values', () => {
    it('refuses a type change stored values do not fit, with their count', async () => {
      const def = await define({ entity: 'contact', key: 'shoe_size', type: 'text', label: 'Shoe size' });
      await addContact({ attributes: { shoe_size: '42' } });
      await addContact({ attributes: { shoe_size: 'large' } });
      await addContact({ attributes: { shoe_size: 'small' } });
      const res = await admin.patch(`/api/attributes/${def.id}`, { type: 'number' });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.details[0]).toMatchObject({ path: 'type', count: 3 });
      expect(res.json().error.message).toMatch(/^3 contacts have values of Shoe size/);
      const stored = await db()
        .selectFrom('custom_attributes')
        .select('type')
        .where('id', '=', def.id)
        .executeTakeFirstOrThrow();
      expect(stored.type).toBe('text');
    });

    it('refuses removing an option in use', async () => {
      const def = (await admin.get('/api/attributes?entity=contact'))
        .json()
        .items.find((d: AttributeDefinition) => d.key === 'tier');
      const res = await admin.patch(`/api/attributes/${def.id}`, {
        options: [{ value: 'gold', label: 'Gold' }],
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.details[0].count).toBe(1);
    });

    it('archives: values kept but hidden, listed with archived=true, restored by re-creating the key', async () => {
      const def = await define({ entity: 'contact', key: 'hobby', type: 'text', label: 'Hobby' });
      const cid = (await addContact({ attributes: { hobby: 'chess' } })).json().id;
      expect((await admin.delete(`/api/attributes/${def.id}`)).statusCode).toBe(204);
      expect((await admin.get(`/api/contacts/${cid}`)).json().attributes).not.toHaveProperty('hobby');
      const row = await db()
        .selectFrom('contacts')
        .select('custom')
        .where('id', '=', cid)
        .executeTakeFirstOrThrow();
      expect(row.custom).toMatchObject({ hobby: 'chess' });
      const archived = (await admin.get('/api/attributes?archived=true')).json().items;
      expect(archived.map((d: AttributeDefinition) => d.key)).toContain('hobby');
      expect(
        (await admin.get('/api/attributes')).json().items.map((d: AttributeDefinition) => d.key),
      ).not.toContain('hobby');
      // Writing the archived key is an unknown attribute.
      expect((await admin.patch(`/api/contacts/${cid}`, { attributes: { hobby: 'go' } })).statusCode).toBe(
        422,
      );
      const restored = await define({ entity: 'contact', key: 'hobby', type: 'text', label: 'Hobby' });
      expect(restored.id).toBe(def.id);
      expect((await admin.get(`/api/contacts/${cid}`)).json().attributes).toMatchObject({ hobby: 'chess' });
      expect((await auditOf(def.id)).map((a) => a.action)).toEqual([
        'attribute.created',
        'attribute.archived',
        'attribute.restored',
      ]);
    });
  });
});
