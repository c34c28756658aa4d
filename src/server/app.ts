import fs from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import { databaseRateLimitStore } from './http/rate-limits.ts';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { App, AppDeps } from './deps.ts';
import { registerAuth } from './http/auth.ts';
import { registerErrorHandler } from './http/error-handler.ts';
import { nameContractSchemas, openapiTransformObject, registerErrorResponses } from './http/openapi.ts';
import {
  clientErrorHandler,
  frameworkErrorHandler,
  helmetOptions,
  staticSecurityHeaders,
} from './http/security-headers.ts';
import { registerTextGuard } from './http/text-guard.ts';
import { AppError } from './lib/errors.ts';
import { accountsRoutes } from './modules/accounts/accounts.routes.ts';
import { addressesRoutes } from './modules/addresses/addresses.routes.ts';
import { approvalsRoutes } from './modules/approvals/approvals.routes.ts';
import { commercialTermsRoutes } from './modules/commercial-terms/commercial-terms.routes.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { authRoutes } from './modules/auth/auth.routes.ts';
import { contactsRoutes } from './modules/contacts/contacts.routes.ts';
import { contactAccountsRoutes } from './modules/contacts/contact-accounts.routes.ts';
import { attributesRoutes } from './modules/attributes/attributes.routes.ts';
import { customerGroupsRoutes } from './modules/customer-groups/customer-groups.routes.ts';
import { emailTemplatesRoutes } from './modules/email-templates/email-templates.routes.ts';
import { emailsRoutes } from './modules/emails/emails.routes.ts';
import { employeesRoutes } from './modules/employees/employees.routes.ts';
import { erpRoutes } from './modules/erp/erp.routes.ts';
import { healthRoutes } from './modules/health/health.routes.ts';
import { importsRoutes } from './modules/imports/imports.routes.ts';
import { invoicesRoutes } from './modules/invoices/invoices.routes.ts';
import { rolesRoutes } from './modules/roles/roles.routes.ts';
import { settingsRoutes } from './modules/settings/settings.routes.ts';
import { languagesRoutes } from './modules/settings/languages.ts';
import { registrationRoutes } from './modules/store/registration.routes.ts';
import { storeRoutes } from './modules/store/store.routes.ts';
import { storeAccountRoutes } from './modules/store/store-account.routes.ts';
import { webhooksRoutes } from './modules/webhooks/index.ts';

nameContractSchemas();

const WEB_DIR = path.resolve(import.meta.dirname, '../../dist/web');

export type BuildOptions = {
  /** Fastify's logger: off, or a level (and where to write, for tests that read the log). */
  logger?: boolean | { level: string; stream?: { write(line: string): void } };
  webDir?: string;
  /** Told of every route as it is added (tests walk them all). */
  onRoute?: (route: { method: string | string[]; url: string }) => void;
};

/** A URL as it may be logged: the values of `token` query parameters (emailed links) hidden. */
export const loggableUrl = (url: string) => url.replace(/([?&]token=)[^&#]*/gi, '$1[hidden]');

/** The HTTP application, wired from its dependencies; tests build it the same way. */
export async function buildApp(deps: AppDeps, options: BuildOptions = {}): Promise<App> {
  const security = helmetOptions(deps.config.publicUrl);
  const securityHeaders = staticSecurityHeaders(security);
  const app = Fastify({
    logger:
      typeof options.logger === 'object'
        ? {
            ...options.logger,
            serializers: {
              req: (req: { method: string; url: string; id: string }) => ({
                method: req.method,
                url: loggableUrl(req.url),
                id: req.id,
              }),
            },
          }
        : (options.logger ?? false),
    trustProxy: deps.config.trustProxy,
    bodyLimit: 1024 * 1024,
    genReqId: () => crypto.randomUUID(),
    frameworkErrors: frameworkErrorHandler(securityHeaders),
    clientErrorHandler: clientErrorHandler(securityHeaders),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  registerErrorHandler(app);
  registerErrorResponses(app);
  registerTextGuard(app);

  await app.register(cookie);
  // Helmet's headers, worked out once: @fastify/helmet rebuilt its middleware for every request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(securityHeaders);
    // API answers hold personal data unless a route says otherwise by setting its own Cache-Control.
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    done();
  });
  // Counted in the database: with several instances, a limit is still one limit.
  await app.register(rateLimit, { global: false, store: databaseRateLimitStore(deps.database.db) });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Clientele API',
        version: '0.1.0',
        description:
          'Customer onboarding and account management for B2B sellers. Employees authenticate with the session cookie from `POST /api/session`; integrations with `Authorization: Bearer <API key>`. Errors are `{"error": {"code", "message", "details"}}`.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'clt_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: openapiTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  registerAuth(app, {
    db: deps.database.db,
    scopeId: deps.scopeId,
    publicUrl: deps.config.publicUrl,
    sessionTtlMs: deps.config.sessionTtlMs,
    usage: deps.usage,
  });
  // The API's answers, compressed when large; in a scope of their own, so the web app's files (already
  // compressed at build time) and its pages are not compressed again.
  await app.register(async (api) => {
    await api.register(compress, {
      threshold: API_COMPRESS_THRESHOLD,
      syncThreshold: API_COMPRESS_SYNC_MAX,
      encodings: ['br', 'gzip'],
    });
    api.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, () =>
      app.swagger(),
    );
    await registerApiRoutes(api, deps);
  });

  const webDir = options.webDir ?? WEB_DIR;
  const hasWeb = fs.existsSync(path.join(webDir, 'index.html'));
  if (hasWeb)
    await app.register(fastifyStatic, {
      root: webDir,
      wildcard: false,
      index: false,
      // Sends file.br or file.gz when the browser takes it (`vite build` writes them beside the files).
      preCompressed: true,
      globIgnore: ['**/*.br', '**/*.gz'],
      cacheControl: false,
      setHeaders: (reply, file) => {
        reply.header('cache-control', webCacheControl(path.relative(webDir, file)));
      },
    });
  // Two single-page apps: /store/… gets the storefront's page (its own small entry), any other path
  // outside /api the portal's (whose router also knows the store pages).
  const hasStore = hasWeb && fs.existsSync(path.join(webDir, 'store.html'));
  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/api/') || request.method !== 'GET') {
      // The path is not echoed: an error body repeats nothing of what the caller sent.
      throw new AppError('not_found', 'No such endpoint; the API is described at /api/docs');
    }
    // A file of an older build: a page instead would be run as a script.
    if (request.url.startsWith('/assets/'))
      throw new AppError('not_found', 'No such file; reload the page to get the current version');
    if (!hasWeb)
      return reply.type('text/plain').status(503).send('The web app is not built yet: run `npm run build`.');
    const page = hasStore && /^\/store(?:[/?#]|$)/.test(request.url) ? 'store.html' : 'index.html';
    return reply.type('text/html').sendFile(page);
  });
  return app;
}

/** API answers smaller than this go out as they are: compressing them costs more than it saves. */
const API_COMPRESS_THRESHOLD = 2048;
/**
 * API answers up to this size are compressed in one call, larger ones and streams through a zlib stream.
 * A stream's setup and hand-offs cost more than the compression of a page of 25 contacts (~10 KB): ~1 ms
 * against ~0.3 ms of CPU a request. The plugin's default on 2 cores is 8 KB.
 */
const API_COMPRESS_SYNC_MAX = 64 * 1024;

/**
 * Files under assets/ carry a hash of their content in their name: a browser keeps them for a year
 * without asking again. The pages (index.html, store.html) name the current ones: always revalidated.
 */
export const webCacheControl = (relativePath: string): string =>
  /^assets[\\/]/.test(relativePath) ? 'public, max-age=31536000, immutable' : 'no-cache';

async function registerApiRoutes(app: App, deps: AppDeps): Promise<void> {
  for (const routes of [
    healthRoutes,
    authRoutes,
    accountsRoutes,
    addressesRoutes,
    invoicesRoutes,
    erpRoutes,
    approvalsRoutes,
    contactsRoutes,
    contactAccountsRoutes,
    rolesRoutes,
    customerGroupsRoutes,
    commercialTermsRoutes,
    attributesRoutes,
    importsRoutes,
    employeesRoutes,
    auditRoutes,
    emailsRoutes,
    emailTemplatesRoutes,
    webhooksRoutes,
    settingsRoutes,
    languagesRoutes,
    storeRoutes,
    storeAccountRoutes,
    registrationRoutes,
  ]) {
    await app.register(async (scope) => routes(scope as unknown as App, deps));
  }
}
