import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { CONFLICTING_ROUTES } from './openapi.ts';

type Schema = { $ref?: string; properties?: Record<string, Schema>; [key: string]: unknown };
type Response = { description: string; content?: Record<string, { schema: Schema }> };
type Operation = {
  parameters?: { in: string; name: string; required?: boolean; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, Response>;
};
type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> };
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const PERMISSIONLESS = new Set(['public', 'employee', 'contact']);

let t: TestApp;
let doc: Doc;
const routes: { method: string; url: string; access?: string; rateLimited: boolean }[] = [];

beforeAll(async () => {
  t = await createTestApp(
    {},
    {
      onRoute: (route) => {
        const r = route as typeof route & { config?: { access?: string; rateLimit?: unknown } };
        for (const method of [r.method].flat())
          routes.push({ method, url: r.url, access: r.config?.access, rateLimited: !!r.config?.rateLimit });
      },
    },
  );
  const res = await t.anonymous.get('/api/openapi.json');
  expect(res.statusCode).toBe(200);
  doc = res.json<Doc>();
});
afterAll(() => t.close());

/** Every operation of the document, with the route it came from. */
function operations() {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => {
        const url = path.replace(/\{(\w+)\}/g, ':$1');
        const route = routes.find((r) => r.method === method.toUpperCase() && r.url === url);
        return { name: `${method.toUpperCase()} ${path}`, path, operation, route };
      }),
  );
}

const errorRef = (response: Response | undefined) => response?.content?.['application/json']?.schema.$ref;

describe('the OpenAPI document', () => {
  it('is an OpenAPI 3.0 document whose operations all answer something and declare their path parameters', () => {
    expect(doc.openapi).toMatch(/^3\.0\.\d+$/);
    expect(doc.info).toMatchObject({ title: 'Clientele API', version: expect.any(String) });
    const ops = operations();
    expect(ops.length).toBeGreaterThan(100);
    for (const { name, path, operation, route } of ops) {
      expect(route, `${name} comes from a registered route`).toBeDefined();
      expect(Object.keys(operation.responses).length, name).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(operation.responses)) {
        expect(status, name).toMatch(/^([1-5]\d\d|default)$/);
        expect(response.description, `${name} ${status}`).toEqual(expect.any(String));
      }
      const declared = (operation.parameters ?? []).filter((p) => p.in === 'path');
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(declared.map((p) => p.name).sort(), name).toEqual(templated.sort());
      expect(
        declared.every((p) => p.required === true),
        name,
      ).toBe(true);
    }
  });

  it('resolves every $ref and keeps no component that nothing uses', () => {
    const text = JSON.stringify(doc);
    const refs = new Set([...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!));
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.slice(21)], ref).toBeDefined();
    }
    const unused = Object.keys(doc.components.schemas).filter((n) => !refs.has(`#/components/schemas/${n}`));
    expect(unused).toEqual([]);
  });

  it('names the main resources as components and refers to them from the operations', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'Account',
        'AccountPage',
        'AccountCreateBody',
        'Contact',
        'Address',
        'Invoice',
        'Employee',
        'Role',
        'GroupRole',
        'CustomerGroup',
        'AttributeDefinition',
        'CommercialCode',
        'WebhookEndpoint',
        'WebhookDelivery',
        'Import',
        'EmailTemplate',
        'ApiKey',
        'Error',
      ]),
    );
    const accounts = doc.paths['/api/accounts']!;
    expect(accounts.get!.responses['200']!.content!['application/json']!.schema).toEqual({
      $ref: '#/components/schemas/AccountPage',
    });
    expect(accounts.post!.requestBody!.content['application/json']!.schema).toEqual({
      $ref: '#/components/schemas/AccountCreateBody',
    });
    expect(
      doc.paths['/api/accounts/{id}']!.get!.responses['200']!.content!['application/json']!.schema,
    ).toEqual({ $ref: '#/components/schemas/Account' });
    expect(doc.components.schemas.AccountPage!.properties!.items).toMatchObject({
      items: { $ref: '#/components/schemas/Account' },
    });
  });

  it('keeps query parameters expanded, not hidden behind a $ref', () => {
    const names = doc.paths['/api/accounts']!.get!.parameters!.filter((p) => p.in === 'query').map(
      (p) => p.name,
    );
    expect(names).toEqual(expect.arrayContaining(['q', 'limit', 'cursor']));
  });

  it('describes the error body the error handler sends', () => {
    expect(doc.components.schemas.Error).toMatchObject({
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { $ref: '#/components/schemas/ErrorCode' },
            message: { type: 'string' },
            details: {},
          },
        },
      },
    });
    expect(doc.components.schemas.ErrorCode).toMatchObject({
      type: 'string',
      enum: expect.arrayContaining(['invalid_input', 'unauthenticated', 'unavailable']),
    });
  });

  it('declares on every operation the errors its route can answer, with the Error schema', () => {
    const missing: string[] = [];
    for (const { name, operation, route } of operations()) {
      const expected = ['503'];
      const query = operation.parameters?.some((p) => p.in === 'query');
      const params = operation.parameters?.some((p) => p.in === 'path');
      if (operation.requestBody || query) expected.push('400', '422');
      if (operation.requestBody) expected.push('413', '415');
      if (params) expected.push('400', '404');
      if (route?.access !== 'public') expected.push('401');
      if (route?.access && !PERMISSIONLESS.has(route.access)) expected.push('403');
      if (route?.rateLimited) expected.push('429');
      for (const status of expected) {
        const response = operation.responses[status];
        if (!response || errorRef(response) !== '#/components/schemas/Error')
          missing.push(`${name} ${status}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('declares 409 on the operations known to conflict, each of them a real route', () => {
    for (const entry of CONFLICTING_ROUTES) {
      const [method, url] = entry.split(' ') as [string, string];
      expect(
        routes.some((r) => r.method === method && r.url === url),
        entry,
      ).toBe(true);
      const path = url.replace(/:(\w+)/g, '{$1}');
      expect(errorRef(doc.paths[path]![method.toLowerCase()]!.responses['409']), entry).toBe(
        '#/components/schemas/Error',
      );
    }
  });

  it('keeps the route-specific errors and does not declare 401 on public routes', () => {
    const createGroup = doc.paths['/api/customer-groups']!.post!.responses;
    expect(errorRef(createGroup['409'])).toBe('#/components/schemas/Error');
    expect(createGroup['409']!.description).toMatch(/conflict/);
    expect(doc.paths['/api/health']!.get!.responses['401']).toBeUndefined();
    expect(Object.keys(doc.paths['/api/session']!.post!.responses)).toEqual(
      expect.arrayContaining(['400', '403', '422', '429', '503']),
    );
  });
});

describe('error answers after the declarations', () => {
  it('still send their details: invalid input, missing permission, not found', async () => {
    const viewer = await t.employee(['companyView']);
    const invalid = await viewer.get('/api/accounts?limit=0');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toEqual({
      error: {
        code: 'invalid_input',
        message: expect.any(String),
        details: [{ path: 'limit', message: expect.any(String) }],
      },
    });

    const refused = await viewer.post('/api/customer-groups', { key: 'nope', name: 'Nope' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({
      code: 'forbidden',
      details: { permission: expect.any(String) },
    });

    const missing = await viewer.get('/api/accounts/00000000-0000-4000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });

    const anonymous = await t.anonymous.get('/api/accounts');
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('unauthenticated');
  });
});
