import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type * as FastifyModule from 'fastify';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { COMMERCIAL_LISTS } from '../../src/contracts/commercial-terms.ts';
import { EMPLOYEE_ROLES, type EmployeeRole } from '../../src/contracts/employees.ts';
import { isRestrictedToAssigned, permissionsOf, type Permission } from '../../src/contracts/permissions.ts';
import {
  addContactWithWelcome,
  clientFor,
  cookieOf,
  createTestApp,
  type Client,
  type TestApp,
} from '../helpers/app.ts';

/**
 * Every /api/ route the app registers, as Fastify's onRoute hook sees it: the matrix below must name
 * each of them, so a route added tomorrow fails this file until someone says who may call it.
 */
const registered = vi.hoisted(() => [] as { method: string; url: string; access: string | undefined }[]);
vi.mock('fastify', async (importOriginal) => {
  const actual = await importOriginal<typeof FastifyModule>();
  const withRouteLog = ((...args: unknown[]) => {
    const app = (actual.default as (...a: unknown[]) => FastifyModule.FastifyInstance)(...args);
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        if (method === 'HEAD' || !route.url.startsWith('/api/') || route.url.startsWith('/api/docs'))
          continue;
        registered.push({ method, url: route.url, access: route.config?.access });
      }
    });
    return app;
  }) as typeof actual.default;
  return { ...actual, default: withRouteLog };
});

type Relation = 'own' | 'foreign' | 'missing';
/** What the `:id` of a route (or an id in its body) names. Only accounts, contacts and emails can be foreign. */
type Rel =
  | 'account'
  | 'contact'
  | 'email'
  | 'group'
  | 'import'
  | 'schedule'
  | 'employee'
  | 'apiKey'
  | 'role'
  | 'groupRole'
  | 'template'
  | 'attribute'
  | 'webhook';
const SCOPED_RELS: readonly Rel[] = ['account', 'contact', 'email'];

type Principal = {
  name: string;
  kind: 'anonymous' | 'contact' | 'employee' | 'apiKey';
  client: Client;
  permissions: Set<Permission>;
  /** Restricted to assigned accounts (crmCompany*), or a storefront contact. */
  scoped: boolean;
  contactId?: string;
};

type Case = {
  url: (id: string, p: Principal) => string;
  body?: (p: Principal, id: string) => unknown;
  /** An NDJSON body instead of a JSON one. */
  ndjson?: () => string;
  /** A multipart upload instead of a JSON body. */
  upload?: (p: Principal) => {
    fields: Record<string, string>;
    files: { field: string; filename: string; content: string }[];
  };
  ok: number;
  rel?: Rel;
  /** The id travels in the body: a foreign or missing one is this status (default 404). */
  missing?: number;
  /** Checks the body of a foreign or missing answer that is not an error (per-item results). */
  missingCheck?: (res: LightMyRequestResponse) => void;
  /** A new object for each allowed call with an own id (the call consumes it: delete, approve, run). */
  fresh?: (p: Principal) => Promise<string>;
  /** Who may call it, when the service asks more (or other) than the route's declared access: any of these. */
  needs?: Permission[];
  /** Holders of this permission reach every object of the relation: foreign and missing ones are `ok` for them. */
  wholeWith?: Permission;
  /** Another id than the relation's usual fixture for own / foreign. */
  own?: () => string;
  foreign?: () => string;
};
/** A storefront contact's route; a write sends `body` (the principal's own account, for instance). */
type Spec = { public: string } | { contact: true; body?: (p: Principal) => unknown } | Case[];

/** The ERP number given to account A, for the ERP's contact upsert. */
const MATRIX_ERP_NUMBER = 'MX-ERP-A';
const CSV = 'Account number,Company name\nMX-1,Matrix Imported\n';
const WEBHOOK_URL = 'https://93.184.215.14/matrix-hook';
const ADDRESS = { line1: '1 Matrix Way', city: 'London', postalCode: 'SW1A 1AA', country: 'GB' };

describe('authorization matrix: every /api/ route × principal × object', () => {
  let t: TestApp;
  let admin: Client & { id: string };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-matrix-'));
  const f = {
    accountA: '',
    accountB: '',
    /** Another account assigned to the crmCompany* employees: contacts of A are added to it. */
    accountC: '',
    contactA: '',
    contactB: '',
    /** Contacts without a login yet: activation links can be sent to them. */
    pendingA: '',
    pendingB: '',
    emailA: '',
    emailB: '',
    group: '',
    importId: '',
    schedule: '',
    employeeTarget: '',
    apiKey: '',
    attribute: '',
    accountANumber: '',
    webhook: '',
    /** A finished delivery of the webhook, to re-send (each allowed call gets a fresh one). */
    delivery: '',
  };
  /** An address of each fixture account and contact (by owner id); a missing owner's is missing too. */
  const addressOf: Record<string, string> = {};
  const freshAddressOf: Record<string, string> = {};
  const principals: Principal[] = [];
  let disabledKey: Client;
  let n = 0;
  const uniq = () => `${++n}`;

  const post = async (client: Client, url: string, body: unknown, status = 201) => {
    const res = await client.post(url, body);
    expect(res.statusCode, `${url}: ${res.body}`).toBe(status);
    return res.json<{ id: string }>();
  };

  beforeAll(async () => {
    t = await createTestApp({ IMPORT_DROP_DIR: tmp });
    admin = await t.employee(['administrator']);
    const alpha = await post(admin, '/api/accounts', { kind: 'business', name: 'Alpha Assigned' });
    f.accountA = alpha.id;
    f.accountANumber = (alpha as unknown as { number: string }).number;
    await t.deps.database.db
      .updateTable('accounts')
      .set({ erp_number: MATRIX_ERP_NUMBER })
      .where('id', '=', f.accountA)
      .execute();
    f.accountB = (await post(admin, '/api/accounts', { kind: 'business', name: 'Beta Foreign' })).id;
    f.accountC = (await post(admin, '/api/accounts', { kind: 'business', name: 'Gamma Assigned' })).id;
    const welcomeA = await addContactWithWelcome(t, admin, f.accountA, 'alpha.person@scope.test');
    const welcomeB = await addContactWithWelcome(t, admin, f.accountB, 'beta.person@scope.test');
    f.contactA = welcomeA.id;
    f.contactB = welcomeB.id;
    const emailTo = async (to: string) =>
      (await admin.get(`/api/emails?to=${encodeURIComponent(to)}`)).json<{ items: { id: string }[] }>()
        .items[0]!.id;
    f.emailA = await emailTo(welcomeA.email);
    f.emailB = await emailTo(welcomeB.email);
    const pending = (account: string, email: string) =>
      post(admin, `/api/accounts/${account}/contacts`, { email, firstName: 'Pen', lastName: 'Ding' });
    f.pendingA = (await pending(f.accountA, 'alpha.pending@scope.test')).id;
    f.pendingB = (await pending(f.accountB, 'beta.pending@scope.test')).id;
    await post(admin, '/api/roles', { key: 'matrix-role', name: 'Matrix role' });
    await post(admin, '/api/group-roles', {
      key: 'matrix-group',
      name: 'Matrix group',
      roles: ['matrix-role'],
    });
    f.group = (await post(admin, '/api/customer-groups', { key: 'matrix', name: 'Matrix' })).id;
    await post(
      admin,
      `/api/customer-groups/${f.group}/members`,
      { contactIds: [f.contactA, f.contactB] },
      200,
    );
    f.attribute = (
      await post(admin, '/api/attributes', {
        entity: 'contact',
        key: 'matrix_attr',
        type: 'text',
        label: 'Matrix',
      })
    ).id;
    f.employeeTarget = (
      await post(admin, '/api/employees', { email: 'target@staff.test', roles: ['companyView'] })
    ).id;
    for (const owner of [
      `accounts/${f.accountA}`,
      `accounts/${f.accountB}`,
      `contacts/${f.contactA}`,
      `contacts/${f.contactB}`,
    ])
      addressOf[owner.split('/')[1]!] = (
        await post(admin, `/api/${owner}/addresses`, { type: 'billing', ...ADDRESS })
      ).id;
    f.importId = (await post(admin, '/api/imports/text', { type: 'accounts', text: CSV })).id;
    f.schedule = (
      await post(admin, '/api/import-schedules', { name: 'Matrix', type: 'accounts', cron: '0 2 * * *' })
    ).id;
    // A public address written as such: no DNS, and the worker is not running, so nothing is sent.
    f.webhook = (await post(admin, '/api/webhooks', { url: WEBHOOK_URL, eventTypes: ['*'] })).id;

    // Password hashing dominates here; the hashes run side by side on the thread pool.
    const employees = await Promise.all(
      EMPLOYEE_ROLES.map((role) =>
        t.employee([role], {
          assignedAccountIds: role.startsWith('crmCompany') ? [f.accountA, f.accountC] : [],
        }),
      ),
    );
    EMPLOYEE_ROLES.forEach((role, i) =>
      principals.push({
        name: role,
        kind: 'employee',
        client: employees[i]!,
        permissions: permissionsOf([role]),
        scoped: isRestrictedToAssigned([role]),
      }),
    );
    const keyRoles: EmployeeRole[] = ['companyEdit', 'auditView'];
    const key = await post(admin, '/api/api-keys', { name: 'matrix key', roles: keyRoles });
    f.apiKey = key.id;
    principals.push({
      name: 'apiKey(companyEdit,auditView)',
      kind: 'apiKey',
      client: clientFor(t.app, { authorization: `Bearer ${(key as unknown as { key: string }).key}` }),
      permissions: permissionsOf(keyRoles),
      scoped: false,
    });

    // A contact signed in at the store, for each account.
    for (const [name, welcome] of [
      ['contact', welcomeA],
      ['contactOfAnotherAccount', welcomeB],
    ] as const) {
      const password = 'store-password-matrix';
      expect(
        (await t.anonymous.post('/api/store/activate', { token: welcome.token, password })).statusCode,
      ).toBe(200);
      const signIn = await t.anonymous.post('/api/store/session', { email: welcome.email, password });
      expect(signIn.statusCode, signIn.body).toBe(200);
      principals.push({
        name,
        kind: 'contact',
        client: clientFor(t.app, { cookie: cookieOf(signIn) }),
        permissions: new Set(),
        scoped: true,
        contactId: welcome.id,
      });
    }
    principals.push({
      name: 'anonymous',
      kind: 'anonymous',
      client: t.anonymous,
      permissions: new Set(),
      scoped: true,
    });

    // The key of an employee who is disabled afterwards.
    const creator = await t.employee(['integrationsManage', 'companyView']);
    const created = await creator.post('/api/api-keys', { name: 'left the company', roles: ['companyView'] });
    expect(created.statusCode, created.body).toBe(201);
    disabledKey = clientFor(t.app, { authorization: `Bearer ${created.json<{ key: string }>().key}` });
    expect((await admin.patch(`/api/employees/${creator.id}`, { status: 'disabled' })).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const invoice = (p: Principal, id: string) => ({
    number: `INV-${p.name}-${id.slice(0, 8)}-${uniq()}`,
    accountId: id,
    date: '2026-01-02',
    amount: 10,
    currency: 'EUR',
  });
  const email = (prefix: string, p: Principal, id: string) =>
    `${prefix}-${p.name.replace(/\W/g, '')}-${id.slice(0, 8)}-${uniq()}@matrix.test`;
  const freshPending = async () =>
    (await post(admin, '/api/accounts', { kind: 'business', name: `Pending ${uniq()}`, status: 'pending' }))
      .id;
  const freshContact = async (inC = false) => {
    const { id } = await post(admin, `/api/accounts/${f.accountA}/contacts`, {
      email: `linked-${uniq()}@matrix.test`,
      firstName: 'Linked',
      lastName: 'Contact',
    });
    if (inC) await post(admin, `/api/contacts/${id}/accounts`, { accountId: f.accountC });
    return id;
  };
  const freshImport = async () =>
    (await post(admin, '/api/imports/text', { type: 'accounts', text: CSV })).id;

  const addressUrl = (kind: string, id: string, consumed = false) =>
    `/api/${kind}/${id}/addresses/${(consumed && freshAddressOf[id]) || addressOf[id] || randomUUID()}`;
  /** A new address of the principal's own account or contact, for a DELETE to consume. */
  const freshAddress = (kind: 'accounts' | 'contacts') => async () => {
    const owner = kind === 'accounts' ? f.accountA : f.contactA;
    freshAddressOf[owner] = (
      await post(admin, `/api/${kind}/${owner}/addresses`, { type: 'shipping', ...ADDRESS })
    ).id;
    return owner;
  };
  const addressRoutes = (kind: 'accounts' | 'contacts'): Record<string, Spec> => {
    const rel = kind === 'accounts' ? 'account' : 'contact';
    return {
      [`GET /api/${kind}/:id/addresses`]: [{ url: (id) => `/api/${kind}/${id}/addresses`, rel, ok: 200 }],
      [`POST /api/${kind}/:id/addresses`]: [
        {
          url: (id) => `/api/${kind}/${id}/addresses`,
          rel,
          body: () => ({ type: 'shipping', ...ADDRESS }),
          ok: 201,
        },
      ],
      [`PATCH /api/${kind}/:id/addresses/:addressId`]: [
        { url: (id) => addressUrl(kind, id), rel, body: () => ({ city: 'Matrixville' }), ok: 200 },
      ],
      [`DELETE /api/${kind}/:id/addresses/:addressId`]: [
        { url: (id) => addressUrl(kind, id, true), rel, fresh: freshAddress(kind), ok: 204 },
      ],
    };
  };

  const MATRIX: Record<string, Spec> = {
    'GET /api/openapi.json': { public: 'the API description' },
    'GET /api/health': { public: 'load balancers' },
    'POST /api/session': { public: 'employee sign-in' },
    'DELETE /api/session': { public: 'sign-out ends whatever session the cookie names' },
    'POST /api/setup': { public: 'first administrator, with the setup token' },
    'POST /api/session/password-reset': { public: 'link request' },
    'POST /api/session/password-reset/confirm': { public: 'with the link token' },
    'POST /api/tokens/check': { public: 'checks a link token' },
    'POST /api/store/activate': { public: 'with the link token' },
    'POST /api/store/session': { public: 'contact sign-in' },
    'DELETE /api/store/session': { public: 'sign-out' },
    'POST /api/store/password-reset': { public: 'link request' },
    'POST /api/store/password-reset/confirm': { public: 'with the link token' },
    'POST /api/store/activation/resend': { public: 'link request' },
    'GET /api/store/branding': { public: 'storefront pages' },
    'GET /api/store/registration': { public: 'sign-up form settings' },
    'POST /api/store/register': { public: 'self-registration' },
    'POST /api/store/join/verify': { public: 'proves an account with an invoice' },
    'POST /api/store/join': { public: 'with the join token' },
    'GET /api/store/session': { contact: true },
    'PUT /api/store/session/account': {
      contact: true,
      body: (p) => ({ accountId: p.contactId === f.contactB ? f.accountB : f.accountA }),
    },

    'GET /api/session': [{ url: () => '/api/session', ok: 200 }],
    'GET /api/audit': [
      { url: () => '/api/audit', ok: 200, needs: ['audit.read'] },
      {
        url: (id) => `/api/audit?entityType=account&entityId=${id}`,
        rel: 'account',
        ok: 200,
        needs: ['audit.read', 'accounts.read'],
        wholeWith: 'audit.read',
      },
      {
        url: (id) => `/api/audit?entityType=contact&entityId=${id}`,
        rel: 'contact',
        ok: 200,
        needs: ['audit.read', 'contacts.read'],
        wholeWith: 'audit.read',
      },
    ],

    'GET /api/accounts': [
      { url: () => '/api/accounts', ok: 200 },
      { url: () => '/api/accounts?q=beta', ok: 200 },
    ],
    'POST /api/accounts': [
      { url: () => '/api/accounts', body: (p) => ({ kind: 'business', name: `Matrix ${p.name}` }), ok: 201 },
    ],
    'GET /api/accounts/:id': [{ url: (id) => `/api/accounts/${id}`, rel: 'account', ok: 200 }],
    'PATCH /api/accounts/:id': [
      { url: (id) => `/api/accounts/${id}`, rel: 'account', body: () => ({ kind: 'business' }), ok: 200 },
    ],
    'PUT /api/accounts/:id/assignees': [
      {
        url: (id) => `/api/accounts/${id}/assignees`,
        rel: 'account',
        // Keeps the crmCompany* employees on A and off B.
        body: (_p, id) => ({ employeeIds: id === f.accountA ? crmIds() : [] }),
        ok: 200,
      },
    ],
    'GET /api/accounts/:id/contacts': [
      { url: (id) => `/api/accounts/${id}/contacts`, rel: 'account', ok: 200 },
    ],
    'POST /api/accounts/:id/contacts': [
      {
        url: (id) => `/api/accounts/${id}/contacts`,
        rel: 'account',
        body: (p, id) => ({ email: email('path', p, id), firstName: 'Matrix', lastName: 'Path' }),
        ok: 201,
      },
    ],
    ...addressRoutes('accounts'),
    ...addressRoutes('contacts'),
    'POST /api/invoices': [
      { url: () => '/api/invoices', rel: 'account', body: invoice, ok: 201, missing: 422 },
    ],
    'GET /api/accounts/:id/invoices': [
      { url: (id) => `/api/accounts/${id}/invoices`, rel: 'account', ok: 200 },
    ],

    // A push waits (queued) until the ERP answers: each allowed call starts from a never-synced A.
    'POST /api/accounts/:id/erp-push': [
      {
        url: (id) => `/api/accounts/${id}/erp-push`,
        rel: 'account',
        fresh: async () => {
          await t.deps.database.db
            .updateTable('accounts')
            .set({ erp_sync_state: 'not-synced' })
            .where('id', '=', f.accountA)
            .execute();
          return f.accountA;
        },
        ok: 200,
      },
    ],

    'GET /api/accounts/:id/orders': [{ url: (id) => `/api/accounts/${id}/orders`, rel: 'account', ok: 200 }],
    'PUT /api/erp/accounts/:erpNumber': [
      { url: () => `/api/erp/accounts/MX-ERP-${uniq()}`, body: () => ({ name: 'Matrix ERP' }), ok: 201 },
    ],
    'PUT /api/erp/accounts/:erpNumber/contacts/:email': [
      {
        url: () => `/api/erp/accounts/${MATRIX_ERP_NUMBER}/contacts/erp-${uniq()}@matrix.test`,
        body: () => ({ firstName: 'Matrix', lastName: 'Erp' }),
        ok: 201,
      },
    ],
    'PUT /api/erp/invoices/:number': [
      {
        url: () => `/api/erp/invoices/INV-MX-ERP-${uniq()}`,
        body: () => ({ accountNumber: f.accountANumber, date: '2026-11-20', amount: 10, currency: 'EUR' }),
        ok: 201,
      },
    ],
    ...Object.fromEntries(
      COMMERCIAL_LISTS.map((list) => [
        `PUT /api/erp/${list}/:code`,
        [{ url: () => `/api/erp/${list}/MX-${uniq()}`, body: () => ({ name: 'Matrix' }), ok: 201 }],
      ]),
    ),
    'POST /api/erp/batch': [
      {
        url: () => '/api/erp/batch',
        ndjson: () => JSON.stringify({ type: 'payment-term', code: `MX-B-${uniq()}`, name: 'Matrix' }),
        ok: 200,
      },
    ],
    'POST /api/erp/orders': [
      {
        url: () => '/api/erp/orders',
        body: () => ({
          number: `SO-MX-${uniq()}`,
          accountNumber: f.accountANumber,
          placedAt: '2026-11-20T10:00:00Z',
          total: 10,
          currency: 'EUR',
        }),
        ok: 201,
      },
    ],

    'GET /api/approvals': [{ url: () => '/api/approvals', ok: 200 }],
    'GET /api/approvals/count': [{ url: () => '/api/approvals/count', ok: 200 }],
    'POST /api/accounts/:id/approve': [
      { url: (id) => `/api/accounts/${id}/approve`, rel: 'account', fresh: freshPending, ok: 200 },
    ],
    'POST /api/accounts/:id/reject': [
      {
        url: (id) => `/api/accounts/${id}/reject`,
        rel: 'account',
        body: () => ({ reason: 'Not a business customer' }),
        fresh: freshPending,
        ok: 200,
      },
    ],

    'GET /api/contacts': [
      { url: () => '/api/contacts', ok: 200 },
      { url: () => '/api/contacts?q=person', ok: 200 },
    ],
    'POST /api/contacts': [
      {
        url: () => '/api/contacts',
        rel: 'account',
        body: (p, id) => ({
          accountId: id,
          email: email('list', p, id),
          firstName: 'Matrix',
          lastName: 'List',
        }),
        ok: 201,
      },
    ],
    'POST /api/contacts/bulk': [
      {
        url: () => '/api/contacts/bulk',
        rel: 'account',
        body: (p, id) => ({ accountId: id, text: `${email('bulk', p, id)},Bulk,Added` }),
        ok: 200,
      },
    ],
    'GET /api/contacts/duplicates': [
      { url: () => '/api/contacts/duplicates?email=beta.person@scope.test', ok: 200 },
      {
        url: (id) => `/api/contacts/duplicates?lastName=Person&accountId=${id}`,
        rel: 'account',
        ok: 200,
        // A filter, not a read: an account the actor cannot see has no namesakes, as one that does not exist.
        missing: 200,
        missingCheck: (res) => expect(res.json()).toEqual({ sameEmail: null, sameNameOnAccount: [] }),
      },
    ],
    'GET /api/contacts/:id': [{ url: (id) => `/api/contacts/${id}`, rel: 'contact', ok: 200 }],
    'PATCH /api/contacts/:id': [
      {
        url: (id) => `/api/contacts/${id}`,
        rel: 'contact',
        body: (p) => ({ phone: p.name.slice(0, 40) }),
        ok: 200,
      },
    ],
    'GET /api/contacts/:id/accounts': [
      { url: (id) => `/api/contacts/${id}/accounts`, rel: 'contact', ok: 200 },
    ],
    // A fresh contact of the assigned account A each time; C is assigned to the crmCompany* employees too.
    'POST /api/contacts/:id/accounts': [
      {
        url: (id) => `/api/contacts/${id}/accounts`,
        rel: 'contact',
        body: () => ({ accountId: f.accountC }),
        fresh: () => freshContact(),
        ok: 201,
      },
    ],
    'DELETE /api/contacts/:id/accounts/:accountId': [
      {
        url: (id) => `/api/contacts/${id}/accounts/${f.accountC}`,
        rel: 'contact',
        fresh: () => freshContact(true),
        ok: 200,
      },
    ],
    'PUT /api/contacts/:id/primary-account': [
      {
        url: (id) => `/api/contacts/${id}/primary-account`,
        rel: 'contact',
        body: () => ({ accountId: f.accountC, keepPrevious: true }),
        fresh: () => freshContact(),
        ok: 200,
      },
    ],
    'POST /api/contacts/:id/activation': [
      {
        url: (id) => `/api/contacts/${id}/activation`,
        rel: 'contact',
        own: () => f.pendingA,
        foreign: () => f.pendingB,
        ok: 202,
      },
    ],
    'POST /api/contacts/:id/password-reset': [
      { url: (id) => `/api/contacts/${id}/password-reset`, rel: 'contact', ok: 202 },
    ],
    'POST /api/contacts/emails': [
      {
        url: () => '/api/contacts/emails',
        rel: 'contact',
        body: (_p, id) => ({ contactIds: [id], kind: 'password-reset' }),
        ok: 202,
        // Per-contact results: one that is not the actor's to reach is not_found, as one that does not exist.
        missing: 202,
        missingCheck: (res) =>
          expect(res.json().results).toEqual([
            expect.objectContaining({ status: 'not_found', emailId: null }),
          ]),
      },
    ],

    'GET /api/roles': [{ url: () => '/api/roles', ok: 200 }],
    'POST /api/roles': [
      { url: () => '/api/roles', body: (p) => ({ key: `new-${p.name}`, name: 'New' }), ok: 201 },
    ],
    'PATCH /api/roles/:key': [
      { url: (key) => `/api/roles/${key}`, rel: 'role', body: (p) => ({ description: p.name }), ok: 200 },
    ],
    'DELETE /api/roles/:key': [
      {
        url: (key) => `/api/roles/${key}`,
        rel: 'role',
        fresh: async () => {
          const key = `del-${uniq()}`;
          await post(admin, '/api/roles', { key, name: 'To delete' });
          return key;
        },
        ok: 204,
      },
    ],
    'GET /api/group-roles': [{ url: () => '/api/group-roles', ok: 200 }],
    'POST /api/group-roles': [
      {
        url: () => '/api/group-roles',
        body: (p) => ({ key: `gnew-${p.name}`, name: 'New', roles: [] }),
        ok: 201,
      },
    ],
    'PATCH /api/group-roles/:key': [
      { url: (key) => `/api/group-roles/${key}`, rel: 'groupRole', body: (p) => ({ name: p.name }), ok: 200 },
    ],
    'DELETE /api/group-roles/:key': [
      {
        url: (key) => `/api/group-roles/${key}`,
        rel: 'groupRole',
        fresh: async () => {
          const key = `gdel-${uniq()}`;
          await post(admin, '/api/group-roles', { key, name: 'To delete', roles: [] });
          return key;
        },
        ok: 204,
      },
    ],

    'GET /api/customer-groups': [{ url: () => '/api/customer-groups', ok: 200 }],
    'POST /api/customer-groups': [
      {
        url: () => '/api/customer-groups',
        body: () => ({ key: `grp-${uniq()}`, name: 'New group' }),
        ok: 201,
      },
    ],
    'GET /api/customer-groups/:id': [{ url: (id) => `/api/customer-groups/${id}`, rel: 'group', ok: 200 }],
    'PATCH /api/customer-groups/:id': [
      {
        url: (id) => `/api/customer-groups/${id}`,
        rel: 'group',
        body: () => ({ password: 'a-shared-group-password-9' }),
        ok: 200,
      },
    ],
    'DELETE /api/customer-groups/:id': [
      {
        url: (id) => `/api/customer-groups/${id}`,
        rel: 'group',
        fresh: async () =>
          (await post(admin, '/api/customer-groups', { key: `gone-${uniq()}`, name: 'Gone' })).id,
        ok: 204,
      },
    ],
    'POST /api/customer-groups/:id/members': [
      {
        url: (id) => `/api/customer-groups/${id}/members`,
        rel: 'group',
        body: () => ({ contactIds: [f.contactA] }),
        ok: 200,
      },
    ],
    'POST /api/customer-groups/:id/members/remove': [
      {
        url: (id) => `/api/customer-groups/${id}/members/remove`,
        rel: 'group',
        body: () => ({ accountIds: [f.accountA] }),
        ok: 200,
      },
    ],

    // The seller's lists: read by whoever reads accounts or settings, written with settings.write.
    ...Object.fromEntries(
      ['payment-terms', 'price-groups', 'sales-reps'].flatMap((list): [string, Spec][] => {
        const freshCode = async () => {
          const code = `MX-${uniq()}`;
          await post(admin, `/api/${list}`, { code, name: 'Matrix code' });
          return code;
        };
        const at = (code: string) => `/api/${list}/${code || 'MX-NONE'}`;
        return [
          [
            `GET /api/${list}`,
            [{ url: () => `/api/${list}`, ok: 200, needs: ['accounts.read', 'settings.read'] }],
          ],
          [
            `POST /api/${list}`,
            [{ url: () => `/api/${list}`, body: () => ({ code: `MX-${uniq()}`, name: 'Matrix' }), ok: 201 }],
          ],
          [
            `PATCH /api/${list}/:code`,
            [{ url: at, body: () => ({ name: 'Renamed' }), fresh: freshCode, ok: 200 }],
          ],
          [`DELETE /api/${list}/:code`, [{ url: at, fresh: freshCode, ok: 204 }]],
        ];
      }),
    ),
    'GET /api/attributes': [
      { url: () => '/api/attributes', ok: 200, needs: ['accounts.read', 'contacts.read', 'settings.read'] },
    ],
    'POST /api/attributes': [
      {
        url: () => '/api/attributes',
        body: () => ({ entity: 'account', key: `attr_${uniq()}`, type: 'text', label: 'New attribute' }),
        ok: 201,
      },
    ],
    'GET /api/attributes/:id': [
      {
        url: (id) => `/api/attributes/${id}`,
        rel: 'attribute',
        ok: 200,
        needs: ['accounts.read', 'contacts.read', 'settings.read'],
      },
    ],
    'PATCH /api/attributes/:id': [
      { url: (id) => `/api/attributes/${id}`, rel: 'attribute', body: () => ({ label: 'Renamed' }), ok: 200 },
    ],
    'DELETE /api/attributes/:id': [
      {
        url: (id) => `/api/attributes/${id}`,
        rel: 'attribute',
        fresh: async () =>
          (
            await post(admin, '/api/attributes', {
              entity: 'account',
              key: `gone_${uniq()}`,
              type: 'text',
              label: 'Gone',
            })
          ).id,
        ok: 204,
      },
    ],

    'GET /api/employees': [{ url: () => '/api/employees', ok: 200 }],
    'POST /api/employees': [
      {
        url: () => '/api/employees',
        body: () => ({ email: `made-${uniq()}@staff.test`, roles: ['companyView'] }),
        ok: 201,
      },
    ],
    'GET /api/employees/:id': [{ url: (id) => `/api/employees/${id}`, rel: 'employee', ok: 200 }],
    'PATCH /api/employees/:id': [
      { url: (id) => `/api/employees/${id}`, rel: 'employee', body: (p) => ({ name: p.name }), ok: 200 },
    ],
    'GET /api/api-keys': [{ url: () => '/api/api-keys', ok: 200 }],
    'POST /api/api-keys': [
      {
        url: () => '/api/api-keys',
        body: (p) => ({ name: `by ${p.name}`, roles: ['integrationsManage'] }),
        ok: 201,
      },
    ],
    'DELETE /api/api-keys/:id': [
      {
        url: (id) => `/api/api-keys/${id}`,
        rel: 'apiKey',
        fresh: async () =>
          (await post(admin, '/api/api-keys', { name: 'revoke me', roles: ['auditView'] })).id,
        ok: 204,
      },
    ],

    'GET /api/webhooks': [{ url: () => '/api/webhooks', ok: 200 }],
    'POST /api/webhooks': [
      {
        url: () => '/api/webhooks',
        body: (p) => ({ url: WEBHOOK_URL, description: `by ${p.name}`, eventTypes: ['account.created'] }),
        ok: 201,
      },
    ],
    'GET /api/webhooks/:id': [{ url: (id) => `/api/webhooks/${id}`, rel: 'webhook', ok: 200 }],
    'PATCH /api/webhooks/:id': [
      { url: (id) => `/api/webhooks/${id}`, rel: 'webhook', body: (p) => ({ description: p.name }), ok: 200 },
    ],
    'DELETE /api/webhooks/:id': [
      {
        url: (id) => `/api/webhooks/${id}`,
        rel: 'webhook',
        fresh: async () => (await post(admin, '/api/webhooks', { url: WEBHOOK_URL, eventTypes: ['*'] })).id,
        ok: 204,
      },
    ],
    'POST /api/webhooks/:id/rotate-secret': [
      { url: (id) => `/api/webhooks/${id}/rotate-secret`, rel: 'webhook', ok: 200 },
    ],
    'GET /api/webhooks/:id/deliveries': [
      { url: (id) => `/api/webhooks/${id}/deliveries`, rel: 'webhook', ok: 200 },
    ],
    'POST /api/webhooks/:id/deliveries/:deliveryId/resend': [
      {
        url: (id) => `/api/webhooks/${id}/deliveries/${f.delivery || randomUUID()}/resend`,
        rel: 'webhook',
        fresh: async () => {
          const { deliveryId } = await post(admin, `/api/webhooks/${f.webhook}/test`, {}, 202).then(
            (r) => r as unknown as { deliveryId: string },
          );
          await t.deps.database.db
            .updateTable('webhook_deliveries')
            .set({ status: 'failed' })
            .where('id', '=', deliveryId)
            .execute();
          f.delivery = deliveryId;
          return f.webhook;
        },
        ok: 202,
      },
    ],
    'POST /api/webhooks/:id/replay': [
      {
        url: (id) => `/api/webhooks/${id}/replay`,
        rel: 'webhook',
        body: () => ({ since: '2020-01-01T00:00:00Z' }),
        ok: 202,
      },
    ],
    'POST /api/webhooks/:id/test': [{ url: (id) => `/api/webhooks/${id}/test`, rel: 'webhook', ok: 202 }],

    'GET /api/emails': [{ url: () => '/api/emails', ok: 200 }],
    'GET /api/emails/:id': [{ url: (id) => `/api/emails/${id}`, rel: 'email', ok: 200 }],
    'GET /api/emails/:id/attempts': [{ url: (id) => `/api/emails/${id}/attempts`, rel: 'email', ok: 200 }],
    'POST /api/emails/:id/resend': [{ url: (id) => `/api/emails/${id}/resend`, rel: 'email', ok: 202 }],

    'GET /api/email-templates': [{ url: () => '/api/email-templates', ok: 200 }],
    'PATCH /api/email-templates/:key': [
      {
        url: (key) => `/api/email-templates/${key}`,
        rel: 'template',
        body: () => ({ enabled: true }),
        ok: 200,
      },
    ],
    'GET /api/email-templates/:key/:language': [
      { url: (key) => `/api/email-templates/${key}/en`, rel: 'template', ok: 200 },
    ],
    'PUT /api/email-templates/:key/:language': [
      {
        url: (key) => `/api/email-templates/${key}/en`,
        rel: 'template',
        body: () => ({ subject: 'Welcome', html: '<p>Hello {{ contact.firstName }}</p>', text: 'Hello' }),
        ok: 200,
      },
    ],
    'DELETE /api/email-templates/:key/:language': [
      { url: (key) => `/api/email-templates/${key}/en`, rel: 'template', ok: 200 },
    ],
    'POST /api/email-templates/:key/:language/preview': [
      { url: (key) => `/api/email-templates/${key}/en/preview`, rel: 'template', body: () => ({}), ok: 200 },
      {
        url: () => '/api/email-templates/accountactivation/en/preview',
        rel: 'contact',
        body: (_p, id) => ({ contactId: id }),
        ok: 200,
      },
    ],

    'GET /api/settings': [{ url: () => '/api/settings', ok: 200 }],
    'PATCH /api/settings': [{ url: () => '/api/settings', body: () => ({}), ok: 200 }],
    'GET /api/settings/choices': [{ url: () => '/api/settings/choices', ok: 200 }],
    'GET /api/settings/languages': [{ url: () => '/api/settings/languages', ok: 200 }],
    'GET /api/settings/field-rules': [{ url: () => '/api/settings/field-rules', ok: 200 }],

    'POST /api/imports': [
      {
        url: () => '/api/imports',
        upload: () => ({
          fields: { type: 'accounts' },
          files: [{ field: 'file', filename: 'accounts.csv', content: CSV }],
        }),
        ok: 201,
      },
    ],
    'POST /api/imports/text': [
      { url: () => '/api/imports/text', body: () => ({ type: 'accounts', text: CSV }), ok: 201 },
    ],
    'GET /api/imports': [{ url: () => '/api/imports', ok: 200 }],
    'GET /api/imports/:id': [{ url: (id) => `/api/imports/${id}`, rel: 'import', ok: 200 }],
    'PATCH /api/imports/:id': [
      { url: (id) => `/api/imports/${id}`, rel: 'import', body: () => ({}), ok: 200 },
    ],
    'GET /api/imports/:id/preview': [{ url: (id) => `/api/imports/${id}/preview`, rel: 'import', ok: 200 }],
    'POST /api/imports/:id/dry-run': [
      { url: (id) => `/api/imports/${id}/dry-run`, rel: 'import', fresh: freshImport, ok: 202 },
    ],
    'POST /api/imports/:id/run': [
      { url: (id) => `/api/imports/${id}/run`, rel: 'import', fresh: freshImport, ok: 202 },
    ],
    'POST /api/imports/:id/cancel': [
      { url: (id) => `/api/imports/${id}/cancel`, rel: 'import', fresh: freshImport, ok: 202 },
    ],
    'GET /api/imports/:id/report': [{ url: (id) => `/api/imports/${id}/report`, rel: 'import', ok: 200 }],
    // An import that generated no passwords has none to take: its own import answers 404 too.
    'GET /api/imports/:id/credentials': [
      { url: (id) => `/api/imports/${id}/credentials`, rel: 'import', ok: 404 },
    ],
    'GET /api/import-schedules': [{ url: () => '/api/import-schedules', ok: 200 }],
    'POST /api/import-schedules': [
      {
        url: () => '/api/import-schedules',
        body: (p) => ({ name: `By ${p.name}`, type: 'accounts', cron: '0 3 * * *' }),
        ok: 201,
      },
    ],
    'POST /api/import-schedules/:id/files': [
      {
        url: (id) => `/api/import-schedules/${id}/files`,
        rel: 'schedule',
        upload: () => ({ fields: {}, files: [{ field: 'file', filename: 'accounts.csv', content: CSV }] }),
        ok: 202,
      },
    ],
    'PATCH /api/import-schedules/:id': [
      {
        url: (id) => `/api/import-schedules/${id}`,
        rel: 'schedule',
        body: () => ({ enabled: false }),
        ok: 200,
      },
    ],
    'DELETE /api/import-schedules/:id': [
      {
        url: (id) => `/api/import-schedules/${id}`,
        rel: 'schedule',
        fresh: async () =>
          (
            await post(admin, '/api/import-schedules', {
              name: `Gone ${uniq()}`,
              type: 'accounts',
              cron: '0 4 * * *',
            })
          ).id,
        ok: 204,
      },
    ],
  };

  const crmIds = () =>
    principals.flatMap((p) =>
      p.name.startsWith('crmCompany') ? [(p.client as Client & { id: string }).id] : [],
    );

  /** The id a relation names: an own/assigned object, a foreign one, or one that does not exist. */
  function idFor(c: Case, relation: Relation): string {
    if (!c.rel) return '';
    const missingId =
      c.rel === 'role' || c.rel === 'groupRole' || c.rel === 'template' ? 'no-such-key' : randomUUID();
    if (relation === 'missing') return missingId;
    if (relation === 'foreign')
      return (
        c.foreign?.() ?? { account: f.accountB, contact: f.contactB, email: f.emailB }[c.rel as 'account']
      );
    if (c.own) return c.own();
    const own: Record<Rel, string> = {
      account: f.accountA,
      contact: f.contactA,
      email: f.emailA,
      group: f.group,
      attribute: f.attribute,
      import: f.importId,
      schedule: f.schedule,
      employee: f.employeeTarget,
      apiKey: f.apiKey,
      webhook: f.webhook,
      role: 'matrix-role',
      groupRole: 'matrix-group',
      template: 'accountactivation',
    };
    return own[c.rel];
  }

  async function call(p: Principal, method: string, c: Case, id: string) {
    const url = c.url(id, p);
    if (c.upload) {
      const { fields, files } = c.upload(p);
      return p.client.upload(url, fields, files);
    }
    if (c.ndjson) return p.client.postRaw(url, c.ndjson(), 'application/x-ndjson');
    const body = c.body?.(p, id);
    switch (method) {
      case 'GET':
        return p.client.get(url);
      case 'DELETE':
        return p.client.delete(url);
      case 'POST':
        return p.client.post(url, body);
      case 'PATCH':
        return p.client.patch(url, body);
      case 'PUT':
        return p.client.put(url, body);
    }
    throw new Error(`no client method for ${method}`);
  }

  it('has an entry for every /api/ route the app registers, and none for a route that is gone', () => {
    expect(registered.length).toBeGreaterThan(50);
    const keys = registered.map((r) => `${r.method} ${r.url}`);
    const missing = keys.filter((k) => !(k in MATRIX));
    expect(missing, `routes without an entry in the authorization matrix: ${missing.join(', ')}`).toEqual([]);
    const stale = Object.keys(MATRIX).filter((k) => !keys.includes(k));
    expect(stale, `matrix entries for routes that no longer exist: ${stale.join(', ')}`).toEqual([]);
    for (const r of registered) {
      const spec = MATRIX[`${r.method} ${r.url}`]!;
      const label = `${r.method} ${r.url}`;
      if ('public' in spec) expect(r.access, label).toBe('public');
      else if ('contact' in spec) expect(r.access, label).toBe('contact');
      else expect(r.access, label).not.toMatch(/^(public|contact)$/);
    }
  });

  /** Runs one principal through every case of every route and returns what went against expectations. */
  async function run(p: Principal): Promise<{ problems: string[]; unexpected2xx: number }> {
    const problems: string[] = [];
    let unexpected2xx = 0;
    for (const r of registered) {
      const spec = MATRIX[`${r.method} ${r.url}`];
      if (!spec || 'public' in spec) continue;
      const label = `${p.name}: ${r.method} ${r.url}`;
      if ('contact' in spec) {
        const res =
          r.method === 'GET'
            ? await p.client.get(r.url)
            : await call(p, r.method, { url: () => r.url, body: spec.body, ok: 200 }, '');
        const want = p.kind === 'contact' ? 200 : 401;
        if (res.statusCode !== want)
          problems.push(`${label} → ${res.statusCode}, expected ${want}: ${res.body}`);
        else if (want === 200 && res.json().contact.id !== p.contactId)
          problems.push(`${label} → another contact: ${res.body}`);
        if (want !== 200 && res.statusCode < 300) unexpected2xx++;
        continue;
      }
      for (const c of spec) {
        const relations: Relation[] = !c.rel
          ? ['own']
          : SCOPED_RELS.includes(c.rel)
            ? ['own', 'foreign', 'missing']
            : ['own', 'missing'];
        for (const relation of relations) {
          const access = r.access as Permission | 'employee';
          const needs = c.needs ?? (access === 'employee' ? [] : [access]);
          const authenticated = p.kind === 'employee' || p.kind === 'apiKey';
          const allowed =
            authenticated && (needs.length === 0 || needs.some((perm) => p.permissions.has(perm)));
          // A foreign object is foreign only to a scoped principal; the others reach it as their own.
          if (relation === 'foreign' && allowed && !p.scoped && c.fresh) continue;
          let id = idFor(c, relation);
          if (relation === 'own' && allowed && c.fresh) id = await c.fresh(p);
          const res = await call(p, r.method, c, id);
          const at = `${label} [${c.url(id, p)} ${relation}]`;
          const hidden =
            (relation === 'missing' || (relation === 'foreign' && p.scoped)) &&
            !(c.wholeWith && p.permissions.has(c.wholeWith));
          let want: number;
          if (!authenticated) want = 401;
          else if (!allowed) want = 403;
          else if (hidden) want = c.missing ?? 404;
          else want = c.ok;
          if (res.statusCode >= 200 && res.statusCode < 300 && (want < 200 || want >= 300)) unexpected2xx++;
          if (res.statusCode !== want) {
            problems.push(`${at} → ${res.statusCode}, expected ${want}: ${res.body.slice(0, 300)}`);
            continue;
          }
          if (want === 401) {
            if (res.json().error.code !== 'unauthenticated') problems.push(`${at}: ${res.body}`);
          } else if (want === 403) {
            const error = res.json().error;
            const named = needs.find((perm) => error.message.includes(`"${perm}"`));
            if (error.code !== 'forbidden' || !named || error.details?.permission !== named)
              problems.push(
                `${at}: a 403 must name the missing permission in its message and details: ${res.body}`,
              );
          } else if (hidden && c.missingCheck) {
            try {
              c.missingCheck(res);
            } catch (err) {
              problems.push(`${at}: ${(err as Error).message}`);
            }
          }
        }
      }
    }
    return { problems, unexpected2xx };
  }

  it.each([
    ...EMPLOYEE_ROLES,
    'apiKey(companyEdit,auditView)',
    'contact',
    'contactOfAnotherAccount',
    'anonymous',
  ])('gives %s exactly what its permissions allow, and 404 for what it cannot see', async (name) => {
    const p = principals.find((x) => x.name === name)!;
    const { problems, unexpected2xx } = await run(p);
    expect(problems, problems.join('\n')).toEqual([]);
    expect(unexpected2xx).toBe(0);
  });

  it('leaves no trace of the writes it refused, and writes to the foreign account only for unscoped principals', async () => {
    const db = t.deps.database.db;
    const count = async (rows: Promise<unknown[]>) => (await rows).length;
    for (const p of principals) {
      const held = (perm: Permission) => (p.permissions.has(perm) ? 1 : 0);
      const label = p.name;
      expect(
        await count(db.selectFrom('accounts').select('id').where('name', '=', `Matrix ${p.name}`).execute()),
        `account by ${label}`,
      ).toBe(held('accounts.write'));
      expect(
        await count(db.selectFrom('roles').select('id').where('key', '=', `new-${p.name}`).execute()),
        `role by ${label}`,
      ).toBe(held('roles.write'));
      expect(
        await count(db.selectFrom('group_roles').select('id').where('key', '=', `gnew-${p.name}`).execute()),
        `group role by ${label}`,
      ).toBe(held('roles.write'));
      expect(
        await count(db.selectFrom('api_keys').select('id').where('name', '=', `by ${p.name}`).execute()),
        `API key by ${label}`,
      ).toBe(held('apiKeys.manage'));
      expect(
        await count(
          db.selectFrom('webhook_endpoints').select('id').where('description', '=', `by ${p.name}`).execute(),
        ),
        `webhook by ${label}`,
      ).toBe(held('webhooks.manage'));
      expect(
        await count(
          db.selectFrom('import_schedules').select('id').where('name', '=', `By ${p.name}`).execute(),
        ),
        `schedule by ${label}`,
      ).toBe(held('imports.run'));
      // One contact on the own account; one on the foreign account too unless the principal is scoped.
      const added = await db
        .selectFrom('contacts')
        .innerJoin('contact_accounts', 'contact_accounts.contact_id', 'contacts.id')
        .select('contact_accounts.account_id')
        .where('contacts.email', 'like', `path-${p.name.replace(/\W/g, '')}-%`)
        .execute();
      const expected = held('contacts.write') ? (p.scoped ? [f.accountA] : [f.accountA, f.accountB]) : [];
      expect(added.map((a) => a.account_id).sort(), `contacts by ${label}`).toEqual(expected.sort());
    }
  });

  it('answers 401 to the key of an employee who was disabled', async () => {
    // A key holds no more than its creator holds now: the creator is disabled, so the key is refused.
    for (const url of ['/api/accounts', '/api/contacts', `/api/accounts/${f.accountA}`]) {
      const res = await disabledKey.get(url);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(401);
      expect(res.json().error.code).toBe('unauthenticated');
    }
  });
});
