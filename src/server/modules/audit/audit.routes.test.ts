import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../contracts/audit.ts';
import { createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

let t: TestApp;
let admin: Client & { id: string; email: string };
let other: Client & { id: string; email: string };
let accountId: string;
let contactId: string;

async function audit(query: string) {
  const res = await admin.get(`/api/audit?${query}&limit=200`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: AuditEntry[] }>().items;
}

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.employee(['administrator'], { email: 'auditor@example.com' });
  other = await t.employee(['administrator'], { email: 'other.admin@example.com' });
  const account = await admin.post('/api/accounts', {
    kind: 'business',
    name: 'Audited Widgets',
    code: 'AUDW',
    number: 'AUD-1001',
  });
  accountId = account.json<{ id: string }>().id;
  const contact = await other.post(`/api/accounts/${accountId}/contacts`, {
    email: 'Watched@Example.com',
    firstName: 'Wat',
    lastName: 'Ched',
  });
  contactId = contact.json<{ id: string }>().id;
});
afterAll(async () => t?.close());

describe('filtering the audit log', () => {
  it('filters by actor, as an employee id or email (any case)', async () => {
    const byEmail = await audit('actor=OTHER.ADMIN@example.com');
    expect(byEmail.length).toBeGreaterThan(0);
    expect(new Set(byEmail.map((e) => e.actorId))).toEqual(new Set([other.id]));
    expect((await audit(`actor=${other.id}`)).map((e) => e.id)).toEqual(byEmail.map((e) => e.id));
    expect(await audit('actor=nobody@example.com')).toEqual([]);
  });

  it('filters by source and action, a trailing dot taking every action it starts', async () => {
    const created = await audit('action=contact.created');
    expect(created.map((e) => e.entityId)).toEqual([contactId]);
    const contactActions = await audit('action=contact.');
    expect(contactActions.every((e) => e.action.startsWith('contact.'))).toBe(true);
    expect(contactActions.map((e) => e.entityId)).toContain(contactId);
    expect((await audit('source=portal&action=account.created')).map((e) => e.entityId)).toEqual([accountId]);
    expect(await audit('source=import&action=account.created')).toEqual([]);
  });

  it('filters by entity, by id or by name: account number, code or name, contact email', async () => {
    for (const name of ['AUD-1001', 'audw', 'Audited Widgets', accountId]) {
      const entries = await audit(`entity=${encodeURIComponent(name)}`);
      expect(entries.length, name).toBeGreaterThan(0);
      expect(new Set(entries.map((e) => e.entityId)), name).toEqual(new Set([accountId]));
    }
    const contact = await audit('entity=watched@example.com');
    expect(new Set(contact.map((e) => e.entityId))).toEqual(new Set([contactId]));
  });

  it('filters by a date range of ISO dates or date-times, and refuses other dates with 422', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const all = await audit('');
    expect((await audit(`from=${today}&to=${today}`)).length).toBe(all.length);
    expect(await audit('to=2000-01-01')).toEqual([]);
    expect(await audit('from=2999-01-01T00:00:00Z')).toEqual([]);
    const soon = new Date(Date.now() + 60_000).toISOString();
    expect((await audit(`to=${encodeURIComponent(soon)}`)).length).toBe(all.length);
    for (const [query, field] of [
      ['from=yesterday', 'from'],
      ['to=2026-02-30', 'to'],
      ['from=12/31/2026', 'from'],
      ['from=2026-02-01&to=2026-01-01', 'to'],
    ]) {
      const res = await admin.get(`/api/audit?${query}`);
      expect(res.statusCode, query).toBe(422);
      expect(res.json().error.details[0].path, query).toBe(field);
    }
  });

  it('shows an email-template edit as a diff of the changed lines', async () => {
    const lines = Array.from({ length: 12 }, (_, i) => `line ${i + 1} {{ contact.firstName }}`);
    const body = { subject: 'Welcome', html: `<p>${lines.join('</p>\n<p>')}</p>`, text: lines.join('\n') };
    expect((await admin.put('/api/email-templates/accountactivation/en', body)).statusCode).toBe(200);
    const changed = [...lines];
    changed[5] = 'line six, rewritten {{ contact.firstName }}';
    const res = await admin.put('/api/email-templates/accountactivation/en', {
      ...body,
      text: changed.join('\n'),
    });
    expect(res.statusCode, res.body).toBe(200);
    const [saved] = await audit('action=email_template.saved&entity=accountactivation/en');
    expect(Object.keys(saved!.textDiffs ?? {})).toEqual(['text']);
    const patch = saved!.textDiffs!.text!;
    expect(patch).toMatch(/^@@ -3,7 \+3,7 @@/);
    expect(patch).toContain('-line 6 {{ contact.firstName }}');
    expect(patch).toContain('+line six, rewritten {{ contact.firstName }}');
    expect(patch).not.toContain('line 1 ');
    expect(patch).not.toContain('line 12');
  });

  it('keeps the whole log to audit.read: other employees get 403 before any filter is read', async () => {
    const viewer = await t.employee(['customerView']);
    const res = await viewer.get('/api/audit?from=nonsense');
    expect(res.statusCode).toBe(403);
  });
});
