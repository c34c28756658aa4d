import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type BuildOptions } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import type { EmployeeRole } from '../../src/contracts/employees.ts';
import type { App, AppDeps } from '../../src/server/deps.ts';
import { systemContext, type RequestContext } from '../../src/server/http/context.ts';
import { issueToken } from '../../src/server/lib/one-time-tokens.ts';
import { createEmployee } from '../../src/server/modules/employees/employees.service.ts';
import { openRuntime } from '../../src/server/runtime.ts';
import { freshDatabase } from './database.ts';
import { countRequestStatements } from './statements.ts';

export const PASSWORD = 'correct-horse-battery';

export type Client = {
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  patch(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  put(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  delete(url: string): Promise<LightMyRequestResponse>;
  /** A POST of a body that is not JSON (NDJSON, for instance), with its content type. */
  postRaw(url: string, payload: string, contentType: string): Promise<LightMyRequestResponse>;
  /** A multipart/form-data POST with text fields and files, as a browser's form sends it. */
  upload(
    url: string,
    fields: Record<string, string>,
    files?: { field: string; filename: string; content: Buffer | string }[],
  ): Promise<LightMyRequestResponse>;
};

export type TestApp = {
  app: App;
  deps: AppDeps;
  /** A context for calling services directly, as the system. */
  system: RequestContext;
  /** An HTTP client with no credentials. */
  anonymous: Client;
  /** Creates an employee with these roles and returns a client signed in as them. */
  employee(
    roles: EmployeeRole[],
    options?: { assignedAccountIds?: string[]; email?: string },
  ): Promise<Client & { id: string; email: string }>;
  close(): Promise<void>;
};

let counter = 0;

export function clientFor(app: App, headers: Record<string, string> = {}): Client {
  const send = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: unknown) =>
    app.inject({ method, url, headers, ...(body !== undefined && { payload: body as object }) });
  return {
    get: (url) => send('GET', url),
    post: (url, body) => send('POST', url, body ?? {}),
    patch: (url, body) => send('PATCH', url, body ?? {}),
    put: (url, body) => send('PUT', url, body ?? {}),
    delete: (url) => send('DELETE', url),
    postRaw: (url, payload, contentType) =>
      app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': contentType }, payload }),
    upload: (url, fields, files = []) => {
      const { payload, contentType } = multipartBody(fields, files);
      return app.inject({
        method: 'POST',
        url,
        headers: { ...headers, 'content-type': contentType },
        payload,
      });
    },
  };
}

export function multipartBody(
  fields: Record<string, string>,
  files: { field: string; filename: string; content: Buffer | string }[],
): { payload: Buffer; contentType: string } {
  const boundary = `----clientele${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  for (const file of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The session cookie of a sign-in response, as a request header. */
export function cookieOf(response: LightMyRequestResponse): string {
  return response.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

export async function createTestApp(
  env: Record<string, string> = {},
  build: BuildOptions = {},
): Promise<TestApp> {
  const database = await freshDatabase();
  const config = loadConfig({ PUBLIC_URL: 'http://clientele.test', ...env });
  const deps = await openRuntime(config, database);
  const app = await buildApp(deps, build);
  app.addHook('onRequest', countRequestStatements);
  await app.ready();
  const system = systemContext(deps.scopeId, 'system', 'test');
  return {
    app,
    deps,
    system,
    anonymous: clientFor(app),
    async employee(roles, options = {}) {
      const email = options.email ?? `employee${++counter}-${Date.now()}@example.com`;
      const created = await createEmployee(deps.database.db, system, {
        email,
        password: PASSWORD,
        roles,
        assignedAccountIds: options.assignedAccountIds,
      });
      const signIn = await app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { email, password: PASSWORD },
      });
      if (signIn.statusCode !== 200) throw new Error(`sign-in failed: ${signIn.body}`);
      return { ...clientFor(app, { cookie: cookieOf(signIn) }), id: created.id, email };
    },
    async close() {
      await app.close();
      await deps.close();
    },
  };
}

/**
 * Adds a contact to an account with the welcome email, as the portal does, and returns its id and a
 * working activation token. The logged email shows its link hidden, so the token is issued here through
 * the service code (the email's own link reaches only the recipient, over SMTP).
 */
export async function addContactWithWelcome(
  t: Pick<TestApp, 'deps'>,
  client: Client,
  accountId: string,
  email: string,
  names: { firstName: string; lastName: string } = { firstName: 'Wel', lastName: 'Come' },
): Promise<{ id: string; email: string; token: string }> {
  const res = await client.post(`/api/accounts/${accountId}/contacts`, {
    email,
    ...names,
    sendEmail: 'accountactivation',
  });
  if (res.statusCode !== 201) throw new Error(`adding ${email} failed: ${res.body}`);
  const emails = (await client.get(`/api/emails?to=${encodeURIComponent(email)}`)).json<{
    items: { text: string }[];
  }>().items;
  if (emails.length !== 1) throw new Error(`expected one welcome email to ${email}, found ${emails.length}`);
  if (!emails[0]!.text.includes('/store/activate?token=[hidden]'))
    throw new Error(`no hidden activation link in the email to ${email}`);
  const id = res.json<{ id: string }>().id;
  const { token } = await issueToken(t.deps.database.db, 'activation', id, t.deps.config.activationTtlMs);
  return { id, email, token };
}
