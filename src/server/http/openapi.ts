import type { FastifyInstance, RouteOptions } from 'fastify';
import { jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import * as accounts from '../../contracts/accounts.ts';
import * as addresses from '../../contracts/addresses.ts';
import * as approvals from '../../contracts/approvals.ts';
import * as attributes from '../../contracts/attributes.ts';
import * as audit from '../../contracts/audit.ts';
import * as commercialTerms from '../../contracts/commercial-terms.ts';
import * as common from '../../contracts/common.ts';
import * as contactAccounts from '../../contracts/contact-accounts.ts';
import * as contactLogin from '../../contracts/contact-login.ts';
import * as contactsBulk from '../../contracts/contacts-bulk.ts';
import * as contacts from '../../contracts/contacts.ts';
import * as customerGroups from '../../contracts/customer-groups.ts';
import * as emailTemplates from '../../contracts/email-templates.ts';
import * as emails from '../../contracts/emails.ts';
import * as employees from '../../contracts/employees.ts';
import * as erp from '../../contracts/erp.ts';
import * as imports from '../../contracts/imports.ts';
import * as invoices from '../../contracts/invoices.ts';
import * as languages from '../../contracts/languages.ts';
import * as registration from '../../contracts/registration.ts';
import * as requiredFields from '../../contracts/required-fields.ts';
import * as roles from '../../contracts/roles.ts';
import * as settings from '../../contracts/settings.ts';
import * as webhooks from '../../contracts/webhooks.ts';

const CONTRACTS = [
  accounts,
  addresses,
  approvals,
  attributes,
  audit,
  commercialTerms,
  common,
  contactAccounts,
  contactLogin,
  contactsBulk,
  contacts,
  customerGroups,
  emailTemplates,
  emails,
  employees,
  erp,
  imports,
  invoices,
  languages,
  registration,
  requiredFields,
  roles,
  settings,
  webhooks,
];

/** Component names that differ from the export's name. */
const RENAMED: Record<string, string> = { ErrorBody: 'Error' };

/**
 * Querystring, params and headers schemas stay inline: @fastify/swagger turns their properties into
 * parameters, which a `$ref` in their place would hide.
 */
const INLINE = /(Query|Params)$/;

/**
 * Names the contracts' object and enum schemas in zod's global registry (the one
 * fastify-type-provider-zod reads), after their exports: the OpenAPI document then holds them once under
 * `components.schemas` and operations refer to them with `$ref`. Idempotent; keeps each schema's description.
 */
export function nameContractSchemas(): void {
  const owner = new Map<string, z.ZodType>();
  for (const module of CONTRACTS) {
    for (const [exportName, value] of Object.entries(module)) {
      if (!/^[A-Z][a-z]/.test(exportName) || INLINE.test(exportName)) continue;
      if (!(value instanceof z.ZodObject || value instanceof z.ZodEnum)) continue;
      const id = RENAMED[exportName] ?? exportName;
      const taken = owner.get(id);
      if (taken && taken !== value) throw new Error(`Two contract schemas are named ${id}`);
      owner.set(id, value);
      z.globalRegistry.add(value, { ...z.globalRegistry.get(value), id });
      if (value instanceof z.ZodObject) z.globalRegistry.add(common.page(value), { id: `${id}Page` });
    }
  }
}

type Status = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Operations whose services answer `conflict` (a taken key, a record in use, a state that forbids the step)
 * and whose route files do not declare it yet; kept here so that parallel edits of those files do not clash.
 */
export const CONFLICTING_ROUTES = new Set([
  'POST /api/setup',
  'POST /api/accounts',
  'PATCH /api/accounts/:id',
  'POST /api/employees',
  'PATCH /api/employees/:id',
  'POST /api/roles',
  'DELETE /api/roles/:key',
  'POST /api/group-roles',
  'DELETE /api/group-roles/:key',
  'PATCH /api/imports/:id',
  'POST /api/imports/:id/dry-run',
  'POST /api/imports/:id/run',
  'POST /api/imports/:id/cancel',
  'POST /api/import-schedules',
  'PATCH /api/import-schedules/:id',
  'POST /api/webhooks/:id/replay',
]);

/** The error statuses any route of this shape can answer, whatever its handler does. */
export function standardErrorStatuses(route: RouteOptions): Status[] {
  const access = route.config?.access;
  const schema = route.schema ?? {};
  const methods = [route.method].flat().map((m) => m.toUpperCase());
  const takesBody = Boolean(schema.body || schema.consumes);
  const hasParams = Boolean(schema.params) || route.url.includes(':');
  const statuses = new Set<Status>([503]);
  if (takesBody || schema.querystring || hasParams || schema.headers) statuses.add(400);
  if (takesBody || schema.querystring) statuses.add(422);
  if (access !== 'public') statuses.add(401);
  // A permission, or a write whose Origin is another site's (cookie sessions, sign-in forms).
  if (access && !['public', 'employee', 'contact'].includes(access)) statuses.add(403);
  if (methods.some((m) => UNSAFE.has(m)) && (access !== 'public' || route.config?.sameOriginOnly))
    statuses.add(403);
  if (hasParams) statuses.add(404);
  if (takesBody) {
    statuses.add(413);
    statuses.add(415);
  }
  if (methods.some((m) => CONFLICTING_ROUTES.has(`${m} ${route.url}`))) statuses.add(409);
  if (route.config?.rateLimit) statuses.add(429);
  return [...statuses].sort();
}

/**
 * Declares on every documented API route the error answers it can give, with the shared error body;
 * a route's own declarations (409s, a specific 503) are kept. Registered before the routes.
 * The error handler's bodies match `ErrorBody`, so serializing them through it changes nothing.
 */
export function registerErrorResponses(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || route.url.startsWith('/api/docs')) return;
    if (route.schema?.hide) return;
    const schema = (route.schema ??= {});
    const response = ((schema.response as Record<string, unknown> | undefined) ??= {});
    for (const status of standardErrorStatuses(route)) response[status] ??= common.ErrorBody;
    // In the content form, so that the document says when each one happens.
    for (const [status, declared] of Object.entries(response)) {
      if (declared === common.ErrorBody)
        response[status] = {
          description: ERROR_DESCRIPTIONS[status] ?? 'Error',
          content: { 'application/json': { schema: common.ErrorBody } },
        };
    }
  });
}

const ERROR_DESCRIPTIONS: Record<string, string> = {
  400: '`invalid_input`: the body, query or path is not valid; `details` lists the fields',
  401: '`unauthenticated`: no valid session cookie or API key',
  403: '`forbidden`: a permission is missing, or the request came from another site',
  404: '`not_found`: no such record (or not visible to the caller)',
  409: '`conflict`: clashes with existing data (a duplicate key, a record in use)',
  413: '`invalid_input`: the request body is too large',
  415: '`invalid_input`: the body is not sent in a content type the route takes',
  422: '`unprocessable`: valid in form but refused by a business rule; `details` names the fields',
  429: '`rate_limited`: too many requests; try again later',
  500: '`internal`: an unexpected failure, logged on the server',
  503: '`unavailable`: the database is not reachable; retry after `Retry-After` seconds',
};

type Doc = { paths?: unknown; components?: { schemas?: Record<string, unknown> } };

/** Every `$ref` to a component schema inside `value`. */
function refsIn(value: unknown, found = new Set<string>()): Set<string> {
  const text = JSON.stringify(value ?? null);
  for (const match of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) found.add(match[1]!);
  return found;
}

const rename = (value: unknown, names: Map<string, string>): unknown =>
  JSON.parse(JSON.stringify(value ?? null), (_key, v: unknown) =>
    typeof v === 'string' && v.startsWith('#/components/schemas/')
      ? `#/components/schemas/${names.get(v.slice(21)) ?? v.slice(21)}`
      : v,
  );

/** The components `paths` reaches, directly or through other components, with the refs renamed by `names`. */
function reachable(paths: unknown, schemas: Record<string, unknown>, names: Map<string, string>) {
  const kept: Record<string, unknown> = {};
  const pending = [...refsIn(paths)].map((name) => [name, sourceOf(name, names)] as const);
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [name, source] = next;
    if (name in kept || !(source in schemas)) continue;
    kept[name] = rename(schemas[source], names);
    pending.push(...[...refsIn(kept[name])].map((ref) => [ref, sourceOf(ref, names)] as const));
  }
  return kept;
}

const sourceOf = (name: string, names: Map<string, string>) =>
  [...names].find(([, to]) => to === name)?.[0] ?? name;

/**
 * The library's components, tidied: a request schema (`XInput`) is named `X` when it equals the answer's
 * `X` (no defaults or transforms that make them differ) or no answer uses `X`; unreached components go.
 */
export const openapiTransformObject: typeof jsonSchemaTransformObject = (input) => {
  const doc = jsonSchemaTransformObject(input) as Doc;
  const schemas = { ...doc.components?.schemas };
  // Assume every pair merges, then split those that differ under that assumption, until nothing changes.
  const names = new Map<string, string>();
  for (const name of Object.keys(schemas))
    if (name.endsWith('Input') && schemas[name.slice(0, -5)]) names.set(name, name.slice(0, -5));
  for (let changed = true; changed;) {
    changed = false;
    for (const [inputName, outputName] of names) {
      const a = JSON.stringify(rename(schemas[inputName], names));
      const b = JSON.stringify(rename(schemas[outputName], names));
      if (a !== b) {
        names.delete(inputName);
        changed = true;
      }
    }
  }
  // A request schema whose plain name no answer takes gets that name.
  const reached = reachable(rename(doc.paths, names), schemas, names);
  for (const name of Object.keys(reached))
    if (name.endsWith('Input') && !(name.slice(0, -5) in reached)) names.set(name, name.slice(0, -5));
  const paths = rename(doc.paths, names);
  const kept = reachable(paths, schemas, names);
  const sorted = Object.fromEntries(Object.entries(kept).sort(([a], [b]) => a.localeCompare(b)));
  return { ...doc, paths, components: { ...doc.components, schemas: sorted } } as ReturnType<
    typeof jsonSchemaTransformObject
  >;
};
