import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import type { EmployeeRole } from '../../src/contracts/employees.ts';
import type { App, AppDeps } from '../../src/server/deps.ts';
import { systemContext, type RequestContext } from '../../src/server/http/context.ts';
import { createEmployee } from '../../src/server/modules/employees/employees.service.ts';
import { openRuntime } from '../../src/server/runtime.ts';
import { freshDatabase } from './database.ts';

export const PASSWORD = 'correct-horse-battery';

export type Client = {
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  patch(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  put(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  delete(url: string): Promise<LightMyRequestResponse>;
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
  };
}

/** The session cookie of a sign-in response, as a request header. */
export function cookieOf(response: LightMyRequestResponse): string {
  return response.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await freshDatabase();
  const config = loadConfig({ PUBLIC_URL: 'http://clientele.test', ...env });
  const deps = await openRuntime(config, database);
  const app = await buildApp(deps);
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
