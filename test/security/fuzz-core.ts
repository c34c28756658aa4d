import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import type { App, AppDeps } from '../../src/server/deps.ts';
import { systemContext } from '../../src/server/http/context.ts';
import { createEmployee } from '../../src/server/modules/employees/employees.service.ts';

/**
 * A schema-driven fuzzer of the API: requests for every operation of `/api/openapi.json`, built from its
 * parameter and body schemas (valid-ish and hostile values), sent with `app.inject()` as an administrator,
 * as an API key and anonymously. Shared by `test/security/fuzz.test.ts` and `npm run fuzz`.
 */

type JsonSchema = Record<string, unknown>;

type Param = { name: string; schema: JsonSchema; required: boolean };

export type Operation = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  pathParams: Param[];
  query: Param[];
  body: JsonSchema | undefined;
  multipart: boolean;
};

export type Credentials = 'administrator' | 'apiKey' | 'anonymous';

export type FuzzRequest = {
  operation: string;
  method: Operation['method'];
  url: string;
  credentials: Credentials;
  headers: Record<string, string>;
  payload: string | undefined;
  /** Larger than any body limit: must be 413. */
  oversize: boolean;
};

export type Failure = { request: FuzzRequest; status: number; problem: string; body: string };

export type FuzzResult = {
  sent: number;
  skipped: number;
  byStatus: Record<number, number>;
  failures: Failure[];
};

/** What the fuzzer leaves alone, and why: each would end its own session or key. */
export const SKIPPED: Record<string, string> = {
  'DELETE /api/session': 'signs the fuzzing administrator out',
};

/** Operations sent only with ids other than the fuzzer's own: they would revoke or demote its credentials. */
const PROTECTED_TARGETS = new Set(['DELETE /api/api-keys/{id}', 'PATCH /api/employees/{id}']);

export type FuzzTarget = {
  app: App;
  /** Real ids and keys to aim path parameters at. */
  pools: {
    ids: string[];
    keys: string[];
    languages: string[];
    /** Ids or keys by the path segment naming their resource (`roles`, `accounts`…). */
    byResource: Record<string, string[]>;
  };
  /** The fuzzer's own employee and API key: never revoked or changed. */
  own: { employeeId: string; apiKeyId: string };
  auth: Record<Credentials, Record<string, string>>;
};

const ORIGIN = 'http://clientele.test';
const PASSWORD = 'fuzz-horse-battery-staple';

async function must(res: LightMyRequestResponse, status: number, what: string) {
  if (res.statusCode !== status) throw new Error(`seeding ${what}: ${res.statusCode} ${res.body}`);
  return res.json<Record<string, unknown>>();
}

/** Signs in an administrator, makes an API key, and seeds accounts, contacts, groups, roles, invoices and imports. */
export async function prepareTarget(app: App, deps: AppDeps): Promise<FuzzTarget> {
  const system = systemContext(deps.scopeId, 'system', 'fuzz');
  const email = `fuzz-${Date.now()}@example.com`;
  const employee = await createEmployee(deps.database.db, system, {
    email,
    password: PASSWORD,
    roles: ['administrator'],
  });
  const signIn = await app.inject({
    method: 'POST',
    url: '/api/session',
    payload: { email, password: PASSWORD },
  });
  if (signIn.statusCode !== 200) throw new Error(`fuzzer sign-in failed: ${signIn.body}`);
  const cookie = signIn.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const admin = { cookie, origin: ORIGIN };
  const call = (method: Operation['method'], url: string, payload?: unknown) =>
    app.inject({ method, url, headers: admin, ...(payload !== undefined && { payload: payload as object }) });

  const key = await must(
    await call('POST', '/api/api-keys', { name: 'fuzz', roles: ['administrator'] }),
    201,
    'API key',
  );
  const ids: string[] = [employee.id, String(key.id)];
  const keys: string[] = [];
  const byResource: Record<string, string[]> = { 'api-keys': [String(key.id)], employees: [employee.id] };
  const remember = (resource: string, value: string) => (byResource[resource] ??= []).push(value);
  const id = (body: Record<string, unknown>, resource: string) => {
    ids.push(String(body.id));
    remember(resource, String(body.id));
    return String(body.id);
  };

  const accounts: string[] = [];
  for (const [i, name] of ['Fuzz Alpha', 'Fuzz Beta', 'Fuzz Gamma'].entries())
    accounts.push(
      id(
        await must(
          await call('POST', '/api/accounts', { kind: 'business', name, number: `FZ-${i}` }),
          201,
          name,
        ),
        'accounts',
      ),
    );
  for (const [i, accountId] of accounts.entries())
    id(
      await must(
        await call('POST', `/api/accounts/${accountId}/contacts`, {
          email: `fuzz-contact-${i}@example.com`,
          firstName: 'Fuzz',
          lastName: `Contact ${i}`,
          sendEmail: 'accountactivation',
        }),
        201,
        'contact',
      ),
      'contacts',
    );
  // Several, as the fuzzer deletes what nobody holds.
  for (const k of ['fuzz-buyer', 'fuzz-viewer', 'fuzz-approver', 'fuzz-payer', 'fuzz-guest']) {
    await must(await call('POST', '/api/roles', { key: k, name: k }), 201, 'role');
    keys.push(k);
    remember('roles', k);
  }
  await must(
    await call('POST', '/api/group-roles', {
      key: 'fuzz-team',
      name: 'Team',
      roles: ['fuzz-buyer', 'fuzz-viewer'],
    }),
    201,
    'group role',
  );
  keys.push('fuzz-team');
  remember('group-roles', 'fuzz-team');
  for (const k of ['fuzz-wholesale', 'fuzz-retail']) {
    id(
      await must(await call('POST', '/api/customer-groups', { key: k, name: k }), 201, 'customer group'),
      'customer-groups',
    );
    keys.push(k);
  }
  for (const [i, accountId] of accounts.slice(0, 2).entries())
    id(
      await must(
        await call('POST', '/api/invoices', {
          number: `FZ-INV-${i}`,
          accountId,
          date: '2026-01-15',
          amount: 100 + i,
          currency: 'USD',
        }),
        201,
        'invoice',
      ),
      'invoices',
    );
  id(
    await must(
      await call('POST', '/api/imports/text', {
        type: 'accounts',
        text: 'number,name\nFZ-IMP-1,Imported One\nFZ-IMP-2,Imported Two',
      }),
      201,
      'import',
    ),
    'imports',
  );
  const other = await must(
    await call('POST', '/api/employees', {
      email: `fuzz-other-${Date.now()}@example.com`,
      roles: ['companyView'],
    }),
    201,
    'employee',
  );
  id(other, 'employees');
  const emails = (await call('GET', '/api/emails')).json<{ items: { id: string }[] }>().items;
  for (const e of emails.slice(0, 3)) {
    ids.push(e.id);
    remember('emails', e.id);
  }
  const templates = (await call('GET', '/api/email-templates')).json<{ key: string }[]>();
  for (const t of templates) {
    keys.push(t.key);
    remember('email-templates', t.key);
  }

  return {
    app,
    pools: { ids, keys, languages: ['en', 'de', 'fr', 'nl'], byResource },
    own: { employeeId: employee.id, apiKeyId: String(key.id) },
    auth: {
      administrator: admin,
      apiKey: { authorization: `Bearer ${String(key.key)}` },
      anonymous: {},
    },
  };
}

/** Every operation of the OpenAPI document, with its parameters and JSON body schema. */
export async function loadOperations(app: App): Promise<Operation[]> {
  const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: (Param & { in: string })[];
          requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
        }
      >
    >;
    components?: { schemas?: Record<string, unknown> };
  }>();
  const paths = inlineRefs(doc.paths, doc.components?.schemas ?? {}) as typeof doc.paths;
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      const content = op.requestBody?.content ?? {};
      operations.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: params.filter((p) => p.in === 'path'),
        query: params.filter((p) => p.in === 'query'),
        body: content['application/json']?.schema,
        multipart: 'multipart/form-data' in content || (path === '/api/imports' && method === 'post'),
      });
    }
  }
  return operations;
}

/** `value` with each `$ref` to a component schema replaced by the schema (a cycle stays a `$ref`). */
function inlineRefs(value: unknown, schemas: Record<string, unknown>, seen: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v) => inlineRefs(v, schemas, seen));
  if (!value || typeof value !== 'object') return value;
  const ref = (value as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const name = ref.slice('#/components/schemas/'.length);
    return seen.includes(name) ? value : inlineRefs(schemas[name], schemas, [...seen, name]);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inlineRefs(v, schemas, seen)]));
}

// Hostile text: what breaks parsers, databases, templates and paths.
const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udc00y',
    '\ud83d\ude00',
    '\u202e\u200b\ufeff',
    "'; DROP TABLE accounts; --",
    '%',
    '_',
    '\\',
    '{{ 7 | times: 7 }}{% raw %}',
    '<script>alert(1)</script>',
    '../../../etc/passwd',
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '1e309',
    '-1',
    '99999999999999999999999',
    'NaN',
    '2026-02-30',
    '0000-00-00',
    'true',
    'null',
    '__proto__',
    'constructor',
    'é'.repeat(300),
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 201, max: 5000 }).map((n) => 'x'.repeat(n)),
  fc.constant('y'.repeat(100_000)),
);

const deepNesting = fc.integer({ min: 50, max: 3000 }).map((depth) => {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
});

const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(true, false, null, 0, -1, 2 ** 53, 1e308),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  deepNesting,
);

type Pools = FuzzTarget['pools'];

function dateString(): fc.Arbitrary<string> {
  return fc
    .date({ min: new Date('1900-01-01'), max: new Date('2200-12-31'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10));
}

/** A valid-ish string for a string schema: its enum, format or pattern, within its lengths. */
function validString(schema: JsonSchema, pools: Pools, name: string): fc.Arbitrary<string> {
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 60, 60);
  if (schema.format === 'uuid') return fc.oneof(fc.constantFrom(...pools.ids), fc.uuid());
  if (schema.format === 'email') return fc.emailAddress();
  if (schema.format === 'date') return dateString();
  if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  if (/^(key|keys|roles|customerGroups|groupRoles)$/.test(name)) return fc.constantFrom(...pools.keys);
  if (typeof schema.pattern === 'string') {
    try {
      return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= Math.max(max, 200));
    } catch {
      // a pattern fast-check cannot generate from falls back to plain strings
    }
  }
  return fc.string({ minLength: Math.min(min, max), maxLength: Math.max(min, max) });
}

/** Values for a JSON schema: mostly valid-ish, sometimes hostile (wrong types, bad text, missing or extra fields). */
export function fromSchema(
  schema: JsonSchema | undefined,
  pools: Pools,
  name = '',
  depth = 0,
): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return wrongType;
  const valid = validFromSchema(schema, pools, name, depth);
  return fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: wrongType });
}

function validFromSchema(
  schema: JsonSchema,
  pools: Pools,
  name: string,
  depth: number,
): fc.Arbitrary<unknown> {
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (variants?.length) return fc.oneof(...variants.map((s) => fromSchema(s, pools, name, depth + 1)));
  if (Array.isArray(schema.allOf) && schema.allOf.length)
    return fromSchema(schema.allOf[0] as JsonSchema, pools, name, depth + 1);
  if (Array.isArray(schema.enum) && schema.enum.length) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : schema.type;
  let arb: fc.Arbitrary<unknown>;
  switch (type) {
    case 'string':
      arb = fc.oneof(
        { weight: 5, arbitrary: validString(schema, pools, name) },
        { weight: 1, arbitrary: hostileString },
      );
      break;
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 1_000_000;
      arb =
        type === 'integer'
          ? fc.oneof(
              fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) }),
              fc.constantFrom(min - 1, max + 1),
            )
          : fc.oneof(fc.double({ min, max, noNaN: true }), fc.constantFrom(min - 1, max + 1, 1e-9));
      break;
    }
    case 'boolean':
      arb = fc.boolean();
      break;
    case 'array': {
      const items = fromSchema(schema.items as JsonSchema | undefined, pools, name, depth + 1);
      const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : 5;
      arb = fc.oneof(
        { weight: 5, arbitrary: fc.array(items, { maxLength: Math.min(maxItems, 5) }) },
        { weight: 1, arbitrary: fc.array(items, { minLength: maxItems + 1, maxLength: maxItems + 3 }) },
      );
      break;
    }
    case 'object':
    default: {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = (schema.required ?? []) as string[];
      const fields = Object.fromEntries(
        Object.entries(properties).map(([key, s]) => [key, fromSchema(s, pools, key, depth + 1)]),
      );
      const full = fc.record(fields, { requiredKeys: required.filter((k) => k in fields) });
      arb = fc.oneof(
        { weight: 6, arbitrary: full },
        // Missing fields.
        { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) },
        // Extra fields.
        {
          weight: 1,
          arbitrary: fc
            .tuple(
              full,
              fc.dictionary(
                fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'id')),
                wrongType,
                { maxKeys: 3 },
              ),
            )
            .map(([a, b]) => ({ ...b, ...(a as object) })),
        },
      );
      if (type !== 'object' && type !== undefined) arb = wrongType;
    }
  }
  return schema.nullable === true || (Array.isArray(schema.type) && schema.type.includes('null'))
    ? fc.option(arb, { nil: null, freq: 6 })
    : arb;
}

/** A path segment: a real id or key, a random UUID, or hostile text (even what is not valid percent-encoding). */
function pathValue(param: Param, pools: Pools, resource: string): fc.Arbitrary<string> {
  const own = pools.byResource[resource];
  const real =
    param.name === 'language'
      ? fc.constantFrom(...pools.languages)
      : own?.length
        ? fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...own) },
            fc.constantFrom(...pools.ids, ...pools.keys),
          )
        : param.name === 'key'
          ? fc.constantFrom(...pools.keys)
          : fc.constantFrom(...pools.ids);
  return fc.oneof(
    { weight: 6, arbitrary: real.map(encodeURIComponent) },
    { weight: 2, arbitrary: fc.uuid() },
    {
      weight: 1,
      arbitrary: hostileString.map((text) =>
        encode(text).replace(/^\.{1,2}$/, (dots) => '%2E'.repeat(dots.length)),
      ),
    },
    // A bare '..' would leave the API (the URL is resolved before routing), so only its encoded form.
    { weight: 1, arbitrary: fc.constantFrom('%E0%A4%A', '%', '%00', '%ED%A0%80', '%2e%2e', 'a%2Fb') },
  );
}

function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    // A lone surrogate cannot be percent-encoded as UTF-8: send what a broken client would.
    return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '')) + '%ED%A0%80';
  }
}

function queryString(values: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const list = Array.isArray(value) ? value : [value];
    for (const item of list)
      parts.push(`${encode(key)}=${encode(typeof item === 'string' ? item : (JSON.stringify(item) ?? ''))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function multipartPayload(): fc.Arbitrary<{ contentType: string; payload: string }> {
  const boundary = 'fuzzboundary';
  const part = (name: string, value: string, file = false) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file ? '; filename="f.csv"' : ''}\r\n\r\n${value}\r\n`;
  return fc.oneof(
    fc
      .tuple(
        fc.constantFrom('accounts', 'contacts', 'individuals', 'mixed', 'nope'),
        hostileString,
        fc.string({ maxLength: 200 }),
      )
      .map(([type, source, file]) => ({
        contentType: `multipart/form-data; boundary=${boundary}`,
        payload:
          part('type', type) +
          part('sourceName', source) +
          part('file', `name,email\n${file}`, true) +
          `--${boundary}--\r\n`,
      })),
    fc
      .tuple(
        fc.constantFrom(
          'multipart/form-data',
          `multipart/form-data; boundary=${boundary}`,
          'multipart/mixed',
        ),
        hostileString,
      )
      .map(([contentType, payload]) => ({ contentType, payload })),
  );
}

/** Requests for one operation. */
function requestsFor(op: Operation, target: FuzzTarget): fc.Arbitrary<FuzzRequest | undefined> {
  const { pools } = target;
  // The segment after /api/ names the resource a path parameter points into.
  const resource = op.path.split('/')[2] ?? '';
  const pathArbs = op.pathParams.map((p) => pathValue(p, pools, resource));
  const queryArb = fc.record(
    Object.fromEntries(op.query.map((p) => [p.name, fromSchema(p.schema, pools, p.name)])),
    { requiredKeys: [] },
  );
  const hasBody = op.method !== 'GET' && op.method !== 'DELETE';
  const bodyArb: fc.Arbitrary<{ contentType?: string; payload?: string; oversize?: boolean }> = !hasBody
    ? fc.constant({})
    : fc.oneof(
        {
          weight: 12,
          arbitrary: op.multipart
            ? multipartPayload()
            : fromSchema(op.body, pools).map((v) => ({
                contentType: 'application/json',
                payload: JSON.stringify(v) ?? 'null',
              })),
        },
        // Not JSON, or not what was declared.
        {
          weight: 1,
          arbitrary: fc
            .tuple(
              fc.constantFrom(
                'application/json',
                'text/plain',
                'application/x-www-form-urlencoded',
                'application/xml',
              ),
              hostileString,
            )
            .map(([contentType, payload]) => ({ contentType, payload })),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom('', '{}', '[]', 'null').map((payload) => ({
            contentType: 'application/json',
            payload,
          })),
        },
        // Over every body limit (the largest is 6 MiB, for pasted imports).
        {
          weight: 1,
          arbitrary: fc.constant({
            contentType: 'application/json',
            payload: `"${'z'.repeat(7 * 1024 * 1024)}"`,
            oversize: true,
          }),
        },
      );
  const credentialsArb = fc.constantFrom<Credentials>('administrator', 'apiKey', 'anonymous');
  return fc
    .tuple(fc.tuple(...pathArbs), queryArb, bodyArb, credentialsArb)
    .map(([segments, query, body, credentials]) => {
      let i = 0;
      const path = op.path.replace(/\{[^}]+\}/g, () => segments[i++] ?? '');
      const name = `${op.method} ${op.path}`;
      if (
        PROTECTED_TARGETS.has(name) &&
        [target.own.apiKeyId, target.own.employeeId].some((id) => path.includes(id))
      )
        return undefined;
      return {
        operation: name,
        method: op.method,
        url: path + queryString(query),
        credentials,
        headers: {
          ...target.auth[credentials],
          ...(body.contentType && { 'content-type': body.contentType }),
        },
        payload: body.payload,
        oversize: body.oversize === true,
      };
    });
}

// A stack frame (`at fn (file:line:col)`), SQL or PostgreSQL error text, and installed-module paths.
const LEAKS: [RegExp, string][] = [
  [/\bat (?:[\w$.<>[\] ]+ )?\(?(?:file:\/\/|\/)[^\s()]+:\d+(?::\d+)?\)?/, 'a stack trace'],
  [/node_modules/, 'a node_modules path'],
  [/syntax error/i, 'SQL error text'],
  [/relation "/i, 'SQL error text'],
  [/violates/i, 'SQL error text'],
  [/column "/i, 'SQL error text'],
  [/invalid input syntax/i, 'SQL error text'],
  [/operator does not exist/i, 'SQL error text'],
  [/out of range for type/i, 'SQL error text'],
  [/value too long for type/i, 'SQL error text'],
];

/** What is wrong with a response, if anything. */
export function checkResponse(request: FuzzRequest, res: LightMyRequestResponse): string | undefined {
  if (res.statusCode >= 500) return `status ${res.statusCode}`;
  // A request refused before its body is read (rate limit, malformed address) never reaches the limit.
  const refusedUnread =
    res.statusCode === 429 || res.statusCode === 414 || res.body.includes('The address is not valid');
  if (request.oversize && res.statusCode !== 413 && !refusedUnread)
    return `status ${res.statusCode} for a body over the limit, not 413`;
  for (const [pattern, what] of LEAKS) if (pattern.test(res.body)) return `the body shows ${what}`;
  if (res.headers['x-content-type-options'] !== 'nosniff') return 'no X-Content-Type-Options: nosniff';
  return undefined;
}

export async function runFuzz(
  target: FuzzTarget,
  operations: Operation[],
  options: { seed: number; requests: number; only?: string; onProgress?: (sent: number) => void },
): Promise<FuzzResult> {
  const fuzzed = operations.filter(
    (op) =>
      !SKIPPED[`${op.method} ${op.path}`] &&
      (!options.only || `${op.method} ${op.path}`.includes(options.only)),
  );
  const arbitrary = fc.oneof(...fuzzed.map((op) => requestsFor(op, target)));
  const result: FuzzResult = { sent: 0, skipped: 0, byStatus: {}, failures: [] };
  const chunk = 250;
  for (let start = 0; start < options.requests; start += chunk) {
    // One seed per chunk: reproducible without holding every request in memory.
    const requests = fc.sample(arbitrary, {
      seed: options.seed + start,
      numRuns: Math.min(chunk, options.requests - start),
    });
    for (const request of requests) {
      if (!request) {
        result.skipped++;
        continue;
      }
      const res = await target.app.inject({
        method: request.method,
        url: request.url,
        headers: request.headers,
        ...(request.payload !== undefined && { payload: request.payload }),
      });
      result.sent++;
      result.byStatus[res.statusCode] = (result.byStatus[res.statusCode] ?? 0) + 1;
      const problem = checkResponse(request, res);
      if (problem)
        result.failures.push({ request, status: res.statusCode, problem, body: res.body.slice(0, 500) });
    }
    options.onProgress?.(result.sent);
  }
  return result;
}

/** A failure as one readable block: the request that caused it, shortened. */
export function describeFailure(f: Failure): string {
  const payload =
    f.request.payload === undefined
      ? ''
      : `\n  body: ${f.request.payload.slice(0, 300)}${f.request.payload.length > 300 ? `… (${f.request.payload.length} chars)` : ''}`;
  return `${f.problem}: ${f.request.method} ${f.request.url.slice(0, 300)} as ${f.request.credentials}${f.request.headers['content-type'] ? ` (${f.request.headers['content-type']})` : ''}${payload}\n  answer ${f.status}: ${f.body}`;
}
