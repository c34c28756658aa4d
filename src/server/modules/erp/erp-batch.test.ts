import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchChunkLines } from './erp-batch.routes.ts';
import { connectErp } from './erp.test-helpers.ts';
import { countStatements } from '../../../../test/helpers/statements.ts';
import { clientFor, createTestApp, type Client, type TestApp } from '../../../../test/helpers/app.ts';

type Result = {
  line: number;
  status: string;
  id?: string;
  password?: string;
  error?: { message: string; field?: string };
};

describe('POST /api/erp/batch', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  let erpKey: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.employee(['administrator']);
    ({ key: erpKey } = await connectErp(t, admin));
  });
  afterAll(() => t.close());

  const db = () => t.deps.database.db;
  const send = (body: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/api/erp/batch',
      headers: { authorization: `Bearer ${erpKey}`, 'content-type': 'application/x-ndjson', ...headers },
      payload: body,
    });
  const ndjson = (lines: unknown[]) =>
    lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
  const batch = async (lines: unknown[]) => {
    const res = await send(ndjson(lines));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    return res.body
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Result);
  };
  const auditCount = async () =>
    Number(
      (
        await db()
          .selectFrom('audit_log')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const eventsSince = async (seq: string) =>
    db().selectFrom('events').select(['type', 'account_id']).where('seq', '>', seq).orderBy('seq').execute();
  const lastSeq = async () =>
    String(
      (
        await db()
          .selectFrom('events')
          .select((eb) => eb.fn.coalesce(eb.fn.max('seq'), eb.val('0')).as('seq'))
          .executeTakeFirstOrThrow()
      ).seq,
    );

  const mixed = [
    { type: 'payment-term', code: 'B-NET30', name: 'Net 30' },
    { type: 'price-group', code: 'B-GOLD', name: 'Gold' },
    { type: 'sales-rep', code: 'B-REP1', name: 'Rep One' },
    // The account names codes of lines above it: codes are written first in a chunk.
    {
      type: 'account',
      erpNumber: 'B-100',
      name: 'Batch One GmbH',
      paymentTerms: 'B-NET30',
      priceGroup: 'B-GOLD',
      salesRepCode: 'B-REP1',
      billingAddress: { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'de' },
    },
    '',
    {
      type: 'contact',
      erpNumber: 'B-100',
      email: 'anna@batch-one.example',
      firstName: 'Anna',
      lastName: 'Batch',
    },
    {
      type: 'invoice',
      number: 'B-INV-1',
      erpNumber: 'B-100',
      date: '2026-11-02',
      amount: 99.5,
      currency: 'EUR',
    },
    {
      type: 'order',
      number: 'B-SO-1',
      erpNumber: 'B-100',
      placedAt: '2026-11-03T10:00:00Z',
      total: 120,
      currency: 'eur',
    },
  ];

  it('writes every type, answers per line in order (blank lines skipped), audited as erp, with events', async () => {
    const seq = await lastSeq();
    const results = await batch(mixed);
    expect(results.map((r) => [r.line, r.status])).toEqual([
      [1, 'created'],
      [2, 'created'],
      [3, 'created'],
      [4, 'created'],
      [6, 'created'],
      [7, 'created'],
      [8, 'created'],
    ]);
    expect(results.map((r) => r.id)).toEqual([
      'B-NET30',
      'B-GOLD',
      'B-REP1',
      expect.any(String),
      expect.any(String),
      expect.any(String),
      expect.any(String),
    ]);
    const accountId = results[3]!.id!;
    const account = (await admin.get(`/api/accounts/${accountId}`)).json();
    expect(account).toMatchObject({
      number: 'B-100',
      erpNumber: 'B-100',
      name: 'Batch One GmbH',
      paymentTerms: 'B-NET30',
      priceGroup: 'B-GOLD',
      salesRepCode: 'B-REP1',
      status: 'active',
      erpSync: { state: 'synced', erpNumber: 'B-100' },
    });
    const addresses = (await admin.get(`/api/accounts/${accountId}/addresses`)).json();
    expect(addresses.items).toMatchObject([
      { type: 'billing', isDefault: true, country: 'DE', city: 'Berlin' },
    ]);
    const contact = (await admin.get(`/api/contacts/${results[4]!.id}`)).json();
    expect(contact).toMatchObject({ email: 'anna@batch-one.example', firstName: 'Anna' });
    const audit = await db()
      .selectFrom('audit_log')
      .select(['action', 'source'])
      .where('entity_id', 'in', [accountId, results[4]!.id!])
      .execute();
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'account.created',
        'account.address.created',
        'contact.created',
        'order.created',
      ]),
    );
    expect(new Set(audit.map((a) => a.source))).toEqual(new Set(['erp']));
    const events = await eventsSince(seq);
    expect(events).toEqual(
      expect.arrayContaining([
        { type: 'account.created', account_id: accountId },
        { type: 'contact.created', account_id: accountId },
        { type: 'order.first', account_id: accountId },
      ]),
    );
  });

  it('answers the same batch again with all unchanged, writing no audit row and no event', async () => {
    const audits = await auditCount();
    const seq = await lastSeq();
    const results = await batch(mixed);
    expect(results.map((r) => r.status)).toEqual(Array(7).fill('unchanged'));
    expect(await auditCount()).toBe(audits);
    expect(await eventsSince(seq)).toEqual([]);
  });

  it('updates what changed, records account.updated with the changed fields, keeps what is not sent', async () => {
    const seq = await lastSeq();
    const results = await batch([
      { type: 'account', erpNumber: 'b-100', name: 'Batch One AG' },
      { type: 'account', erpNumber: 'B-101', name: 'Batch Two' },
      {
        type: 'contact',
        erpNumber: 'B-100',
        email: 'ANNA@batch-one.example',
        firstName: 'Anna',
        lastName: 'Batch',
      },
    ]);
    expect(results.map((r) => r.status)).toEqual(['updated', 'created', 'unchanged']);
    const account = (await admin.get(`/api/accounts/${results[0]!.id}`)).json();
    expect(account).toMatchObject({ name: 'Batch One AG', paymentTerms: 'B-NET30', erpNumber: 'B-100' });
    const updated = await db()
      .selectFrom('audit_log')
      .select(['after', 'source'])
      .where('entity_id', '=', results[0]!.id!)
      .where('action', '=', 'account.updated')
      .execute();
    expect(updated).toEqual([{ after: { name: 'Batch One AG' }, source: 'erp' }]);
    expect(await eventsSince(seq)).toEqual([
      { type: 'account.created', account_id: results[1]!.id },
      { type: 'account.updated', account_id: results[0]!.id },
    ]);
    const data = await db()
      .selectFrom('events')
      .select('data')
      .where('seq', '>', seq)
      .where('type', '=', 'account.updated')
      .executeTakeFirstOrThrow();
    expect(data.data).toMatchObject({ name: 'Batch One AG', changed: ['name'] });
  });

  it('links a web account by number and writes lines the set path leaves to the single call', async () => {
    const web = (await admin.post('/api/accounts', { kind: 'business', name: 'Web Made' })).json();
    const results = await batch([
      { type: 'account', erpNumber: 'B-200', name: 'Web Made', webAccountNumber: web.number },
      // The same ERP number twice in a chunk: the second after the first.
      { type: 'account', erpNumber: 'B-201', name: 'Twice' },
      { type: 'account', erpNumber: 'b-201', name: 'Twice Renamed' },
    ]);
    expect(results.map((r) => [r.status, r.id])).toEqual([
      ['updated', web.id],
      ['created', expect.any(String)],
      ['updated', results[1]!.id],
    ]);
    expect((await admin.get(`/api/accounts/${web.id}`)).json()).toMatchObject({
      erpNumber: 'B-200',
      erpSync: { state: 'synced' },
    });
    expect((await admin.get(`/api/accounts/${results[1]!.id}`)).json().name).toBe('Twice Renamed');
  });

  it('answers bad lines invalid, naming the field, and writes the others', async () => {
    const audits = await auditCount();
    const results = await batch([
      '{not json',
      { type: 'customer', erpNumber: 'B-300', name: 'x' },
      { erpNumber: 'B-300', name: 'No type' },
      { type: 'account', name: 'No key' },
      { type: 'account', erpNumber: 'B-301', name: '' },
      { type: 'account', erpNumber: 'B-302', name: 'Bad terms', paymentTerms: 'NOPE' },
      {
        type: 'account',
        erpNumber: 'B-303',
        name: 'Bad country',
        billingAddress: { line1: 'x', city: 'y', postalCode: '1', country: 'zz' },
      },
      {
        type: 'contact',
        erpNumber: 'B-404',
        email: 'nobody@batch.example',
        firstName: 'No',
        lastName: 'Account',
      },
      {
        type: 'order',
        number: 'B-SO-9',
        erpNumber: 'B-404',
        placedAt: '2026-11-03T10:00:00Z',
        total: 1,
        currency: 'EUR',
      },
      '[1, 2]',
      { type: 'account', erpNumber: 'B-304', name: 'Good One' },
    ]);
    expect(results.map((r) => [r.line, r.status, r.error?.field])).toEqual([
      [1, 'invalid', undefined],
      [2, 'invalid', 'type'],
      [3, 'invalid', 'type'],
      [4, 'invalid', 'erpNumber'],
      [5, 'invalid', 'name'],
      [6, 'invalid', 'paymentTerms'],
      [7, 'invalid', 'billingAddress.country'],
      [8, 'invalid', 'erpNumber'],
      [9, 'invalid', 'erpNumber'],
      [10, 'invalid', 'type'],
      [11, 'created', undefined],
    ]);
    expect(results[0]!.error!.message).toBe('The line is not valid JSON');
    expect(results[5]!.error!.message).toMatch(/Unknown payment terms “NOPE”/);
    expect(results.slice(0, 10).every((r) => r.id === undefined)).toBe(true);
    // Only the good line wrote (its account.created).
    expect(await auditCount()).toBe(audits + 1);
    expect(
      await db()
        .selectFrom('accounts')
        .select('number')
        .where('number', 'in', ['B-301', 'B-302', 'B-303'])
        .execute(),
    ).toEqual([]);
  });

  it('refuses to create an account under a number another account holds', async () => {
    const other = (
      await admin.post('/api/accounts', { kind: 'business', name: 'Holder', number: 'B-HELD' })
    ).json();
    await batch([{ type: 'account', erpNumber: 'B-LINKED', name: 'Holder', webAccountNumber: other.number }]);
    const results = await batch([{ type: 'account', erpNumber: 'B-HELD', name: 'Clash' }]);
    expect(results).toMatchObject([{ status: 'invalid', error: { field: 'erpNumber' } }]);
  });

  it('answers a line longer than the limit invalid and goes on', async () => {
    const long = JSON.stringify({ type: 'account', erpNumber: 'B-LONG', name: 'x'.repeat(1024 * 1024) });
    const results = await batch([long, { type: 'account', erpNumber: 'B-AFTER-LONG', name: 'After' }]);
    expect(results.map((r) => r.status)).toEqual(['invalid', 'created']);
    expect(results[0]!.error!.message).toMatch(/longer than/);
  });

  it('writes accounts set-based: a few statements and one transaction per chunk of lines', async () => {
    const lines = Array.from({ length: 1203 }, (_, i) => ({
      type: 'account',
      erpNumber: `B-MANY-${i}`,
      name: `Many ${i}`,
      billingAddress: { line1: `Street ${i}`, city: 'Berlin', postalCode: '10115', country: 'DE' },
    }));
    const created = await countStatements(() => batch(lines));
    expect(created.result).toHaveLength(1203);
    expect(created.result.every((r, i) => r.line === i + 1 && r.status === 'created')).toBe(true);
    const chunks = Math.ceil(1203 / batchChunkLines(t.deps.database.kind));
    // Per chunk: read accounts, insert accounts, insert addresses, audit rows, events.
    expect(created.commits).toBe(chunks);
    expect(created.queries.length, created.queries.join('\n')).toBeLessThanOrEqual(chunks * 5 + 3);
    const renamed = await countStatements(() => batch(lines.map((l) => ({ ...l, name: `${l.name}!` }))));
    expect(renamed.result.every((r) => r.status === 'updated')).toBe(true);
    expect(renamed.queries.length).toBeLessThanOrEqual(chunks * 4 + 3);
    const audits = await auditCount();
    const again = await countStatements(() => batch(lines.map((l) => ({ ...l, name: `${l.name}!` }))));
    expect(again.result.every((r) => r.status === 'unchanged')).toBe(true);
    expect(again.queries.filter((q) => !/^\s*select/i.test(q))).toEqual([]);
    expect(await auditCount()).toBe(audits);
  });

  it('writes invoices set-based with the single PUT’s answers and audit entries', async () => {
    await batch([
      { type: 'account', erpNumber: 'B-INV-A', name: 'Invoice A' },
      { type: 'account', erpNumber: 'B-INV-B', name: 'Invoice B' },
    ]);
    const erp = clientFor(t.app, { authorization: `Bearer ${erpKey}` });
    const steps = [
      [
        ['1', 'B-INV-A', 10],
        ['2', 'B-INV-B', 20.5],
        ['3', 'B-INV-NONE', 1],
      ],
      [
        ['1', 'B-INV-A', 11],
        ['2', 'B-INV-A', 20.5],
        ['3', 'B-INV-B', 1],
      ],
      [
        ['1', 'B-INV-A', 11],
        ['2', 'B-INV-A', 20.5],
      ],
    ] as const;
    const body = (erpNumber: string, amount: number) => ({
      erpNumber,
      date: '2026-11-02',
      amount,
      currency: 'EUR',
    });
    const single: Result[][] = [];
    const viaBatch: Result[][] = [];
    for (const step of steps) {
      const answers: Result[] = [];
      for (const [n, erpNumber, amount] of step) {
        const res = await erp.put(`/api/erp/invoices/S-INV-${n}`, body(erpNumber, amount));
        answers.push(
          res.statusCode === 422
            ? {
                line: answers.length + 1,
                status: 'invalid',
                error: { message: res.json().error.message, field: res.json().error.details[0].path },
              }
            : { line: answers.length + 1, status: res.json().status, id: res.json().invoice.id },
        );
      }
      single.push(answers);
      viaBatch.push(
        await batch(
          step.map(([n, erpNumber, amount]) => ({
            type: 'invoice',
            number: `L-INV-${n}`,
            ...body(erpNumber, amount),
          })),
        ),
      );
    }
    const shape = (results: Result[][]) => results.map((rs) => rs.map(({ id: _id, ...r }) => r));
    expect(shape(viaBatch)).toEqual(shape(single));
    expect(shape(viaBatch)).toEqual([
      [
        { line: 1, status: 'created' },
        { line: 2, status: 'created' },
        {
          line: 3,
          status: 'invalid',
          error: { message: 'The account of this invoice does not exist', field: 'erpNumber' },
        },
      ],
      [
        { line: 1, status: 'updated' },
        { line: 2, status: 'updated' },
        { line: 3, status: 'created' },
      ],
      [
        { line: 1, status: 'unchanged' },
        { line: 2, status: 'unchanged' },
      ],
    ]);
    const auditsOf = async (prefix: string) => {
      const ids = (
        await db()
          .selectFrom('invoices')
          .select('id')
          .where('number', 'like', `${prefix}%`)
          .orderBy('number')
          .execute()
      ).map((r) => r.id);
      const rows = await db()
        .selectFrom('audit_log')
        .select(['action', 'entity_id', 'before', 'after', 'source'])
        .where('entity_id', 'in', ids)
        .orderBy('id')
        .execute();
      // Per invoice in number order, its entries in order; the number itself differs by prefix.
      return ids.map((id) =>
        rows
          .filter((r) => r.entity_id === id)
          .map(
            ({ entity_id: _e, ...r }) =>
              JSON.parse(JSON.stringify(r).replaceAll(prefix, 'X-INV-')) as Record<string, unknown>,
          ),
      );
    };
    const batchAudits = await auditsOf('L-INV-');
    expect(batchAudits).toEqual(await auditsOf('S-INV-'));
    expect(batchAudits.flat().map((a) => a.action)).toEqual([
      'invoice.created',
      'invoice.updated',
      'invoice.created',
      'invoice.updated',
      'invoice.created',
    ]);
    expect(batchAudits[1]![1]).toMatchObject({
      source: 'erp',
      before: { accountId: expect.any(String) },
      after: { accountId: expect.any(String), accountNumber: 'B-INV-A' },
    });
    // A few statements per chunk whatever the number of invoice lines.
    const many = Array.from({ length: 700 }, (_, i) => ({
      type: 'invoice',
      number: `M-INV-${i}`,
      ...body('B-INV-A', i + 1),
    }));
    const counted = await countStatements(() => batch(many));
    expect(counted.result.every((r, i) => r.line === i + 1 && r.status === 'created')).toBe(true);
    const chunks = Math.ceil(700 / batchChunkLines(t.deps.database.kind));
    // Per chunk: read accounts, read invoices, insert invoices, audit rows.
    expect(counted.commits).toBe(chunks);
    expect(counted.queries.length, counted.queries.join('\n')).toBeLessThanOrEqual(chunks * 4 + 3);
  });

  it('is 415 for another content type, 403 without the erp permission, 401 without a key', async () => {
    const json = await send(JSON.stringify({ type: 'account' }), { 'content-type': 'application/json' });
    expect(json.statusCode).toBe(415);
    expect(json.json().error.message).toMatch(/application\/x-ndjson/);
    const text = await send('{}', { 'content-type': 'text/plain' });
    expect(text.statusCode).toBe(415);
    // Messages of ours that mention JSON stay ours; a body that is not JSON is still named as such.
    const broken = await t.app.inject({
      method: 'POST',
      url: '/api/erp/orders',
      headers: { authorization: `Bearer ${erpKey}`, 'content-type': 'application/json' },
      payload: '{broken',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.message).toBe('The request body is not valid JSON');
    const res = await admin.post('/api/api-keys', { name: 'Editor key', roles: ['companyEdit'] });
    expect(res.statusCode, res.body).toBe(201);
    const refused = await send(ndjson([{ type: 'account', erpNumber: 'B-403', name: 'No' }]), {
      authorization: `Bearer ${res.json().key}`,
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.details).toEqual({ permission: 'erp' });
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/erp/batch',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: '{}',
    });
    expect(anonymous.statusCode).toBe(401);
    expect(await db().selectFrom('accounts').select('id').where('number', '=', 'B-403').execute()).toEqual(
      [],
    );
  });

  it('shows a generated password once in the contact line’s result, and nowhere else', async () => {
    const email = 'once@batch-pw.example';
    const line = {
      type: 'contact',
      erpNumber: 'B-PW',
      email,
      firstName: 'Once',
      lastName: 'Only',
      login: { mode: 'generated-password' },
    };
    const seq = await lastSeq();
    const [, created] = await batch([{ type: 'account', erpNumber: 'B-PW', name: 'Password GmbH' }, line]);
    expect(created).toEqual({
      line: 2,
      status: 'created',
      id: expect.any(String),
      password: expect.stringMatching(/^\w{4}-\w{4}-\w{4}-\w{4}$/),
    });
    const password = created!.password!;
    // The password works: the contact signs in to the store with it.
    const signIn = await t.anonymous.post('/api/store/session', { email, password });
    expect(signIn.statusCode, signIn.body).toBe(200);
    // Not in the audit log, the events (webhook payloads) or the contact's row.
    const audits = await db().selectFrom('audit_log').selectAll().execute();
    expect(JSON.stringify(audits)).not.toContain(password);
    const events = await db().selectFrom('events').selectAll().where('seq', '>', seq).execute();
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify(events)).not.toContain(password);
    const rows = await db().selectFrom('contacts').selectAll().where('email', '=', email).execute();
    expect(JSON.stringify(rows)).not.toContain(password);
    // The same line again: unchanged, no new password, the login untouched.
    const [again] = await batch([line]);
    expect(again).toEqual({ line: 1, status: 'unchanged', id: created!.id });
    expect((await t.anonymous.post('/api/store/session', { email, password })).statusCode).toBe(200);
  });

  it('is 413 for a declared length over the limit', async () => {
    const res = await send('{}', { 'content-length': String(2 * 1024 * 1024 * 1024) });
    expect(res.statusCode).toBe(413);
  });

  it('is declared in the OpenAPI document with its error answers', async () => {
    const doc = (await t.anonymous.get('/api/openapi.json')).json();
    const op = doc.paths['/api/erp/batch'].post;
    expect(Object.keys(op.requestBody.content)).toEqual(['application/x-ndjson']);
    expect(Object.keys(op.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '413', '415']),
    );
  });
});
