import { z } from 'zod';
import { ErrorBody } from '../../../contracts/common.ts';
import {
  ApiKey,
  ApiKeyCreateBody,
  ApiKeyCreated,
  Password,
  SessionBody,
  SessionInfo,
} from '../../../contracts/employees.ts';
import type { App, AppDeps } from '../../deps.ts';
import { EMPLOYEE_COOKIE, sessionCookie } from '../../http/auth.ts';
import { AppError } from '../../lib/errors.ts';
import { tokenState } from '../../lib/one-time-tokens.ts';
import {
  createApiKey,
  employeeFromSession,
  listApiKeys,
  revokeApiKey,
  sessionInfo,
  verifyEmployeeCredentials,
} from './auth.service.ts';
import {
  AcceptedMessage,
  PasswordResetConfirmBody,
  PasswordResetRequestBody,
  TokenCheckBody,
  TokenCheckResult,
} from '../../../contracts/emails.ts';
import { completeSetup } from './bootstrap.ts';
import { accountRequestQueue, originOf } from './account-requests.job.ts';
import { confirmEmployeeReset } from './employee-reset.ts';
import { endSession, startSession } from './sessions.ts';
import { withRetryAfter } from './sign-in-guard.ts';

export const signInRateLimit = {
  max: 10,
  timeWindow: '1 minute',
  // Counted once the body is parsed (the default onRequest hook has no body yet, which made the limit per IP only).
  hook: 'preValidation' as const,
  // Per client and per email, so one noisy office does not lock out everyone else.
  keyGenerator: (request: { ip: string; body?: unknown }) => {
    const email = (request.body as { email?: unknown } | undefined)?.email;
    return `${request.ip}|${typeof email === 'string' ? email.trim().toLowerCase() : ''}`;
  },
  errorResponseBuilder: (_req: unknown, context: { after: string }) =>
    new AppError('rate_limited', `Too many sign-in attempts. Try again in ${context.after}.`),
};

/** For the forms that send a link: fewer attempts, and an answer that says what was limited. */
export const linkRequestRateLimit = {
  ...signInRateLimit,
  max: 5,
  errorResponseBuilder: (_req: unknown, context: { after: string }) =>
    new AppError('rate_limited', `Too many requests for this email. Try again in ${context.after}.`),
};

export const cookieOptions = (deps: AppDeps, expires?: Date) => sessionCookie(deps.config.publicUrl, expires);

export async function authRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['Session'];

  app.post('/api/session', {
    config: { access: 'public', sameOriginOnly: true, rateLimit: signInRateLimit },
    schema: {
      tags,
      summary: 'Sign in as an employee',
      body: SessionBody,
      response: { 200: SessionInfo, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
    },
    handler: async (request, reply) => {
      const employee = await withRetryAfter(reply, () =>
        verifyEmployeeCredentials(db, request.body.email, request.body.password),
      );
      const { token, expiresAt } = await startSession(
        db,
        { type: 'employee', id: employee.id },
        {
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
          ttlMs: deps.config.sessionTtlMs,
        },
      );
      reply.setCookie(EMPLOYEE_COOKIE, token, cookieOptions(deps, expiresAt));
      return sessionInfo(employee);
    },
  });

  app.get('/api/session', {
    config: { access: 'employee' },
    schema: { tags, summary: 'Who is signed in', response: { 200: SessionInfo } },
    handler: async (request) => {
      const token = request.cookies[EMPLOYEE_COOKIE];
      const employee = token ? (await employeeFromSession(db, token))?.employee : undefined;
      if (!employee) {
        const actor = request.ctx.actor;
        return {
          employee: { id: actor.id!, email: actor.label, name: actor.label, roles: actor.roles },
          permissions: [...actor.permissions].sort(),
        };
      }
      return sessionInfo(employee);
    },
  });

  app.delete('/api/session', {
    config: { access: 'public' },
    schema: { tags, summary: 'Sign out', response: { 204: z.null() } },
    handler: async (request, reply) => {
      const token = request.cookies[EMPLOYEE_COOKIE];
      if (token) await endSession(db, token);
      reply.clearCookie(EMPLOYEE_COOKIE, cookieOptions(deps));
      return reply.status(204).send(null);
    },
  });

  app.post('/api/setup', {
    config: { access: 'public', sameOriginOnly: true, rateLimit: { max: 10, timeWindow: '1 minute' } },
    schema: {
      tags,
      summary: 'Create the first administrator with the one-time setup link',
      body: z.object({
        token: z.string().min(10).max(200),
        email: z.email(),
        name: z.string().trim().max(200).nullish(),
        password: Password,
      }),
      response: { 201: SessionInfo },
    },
    handler: async (request, reply) => {
      const id = await completeSetup(db, deps.scopeId, request.body);
      const { token, expiresAt } = await startSession(
        db,
        { type: 'employee', id },
        {
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
          ttlMs: deps.config.sessionTtlMs,
        },
      );
      reply.setCookie(EMPLOYEE_COOKIE, token, cookieOptions(deps, expiresAt));
      const { employee } = (await employeeFromSession(db, token))!;
      return reply.status(201).send(sessionInfo(employee));
    },
  });

  app.post('/api/session/password-reset', {
    config: { access: 'public', rateLimit: linkRequestRateLimit },
    schema: {
      tags,
      summary: 'An employee asks for a password-reset link (same answer whether or not the email exists)',
      body: PasswordResetRequestBody,
      response: { 202: AcceptedMessage },
    },
    handler: async (request, reply) => {
      // Looked up and mailed in a job: the request does the same for every email.
      await deps.jobs.send(accountRequestQueue, {
        kind: 'employee-reset',
        origin: originOf({ ...request.ctx, source: 'portal' }),
        email: request.body.email,
      });
      return reply.status(202).send({
        message: 'If this email belongs to an employee, we have sent it a link to choose a new password.',
      });
    },
  });
  app.post('/api/session/password-reset/confirm', {
    config: { access: 'public', rateLimit: { max: 20, timeWindow: '1 minute' } },
    schema: {
      tags,
      summary: 'Choose a new employee password with the reset link',
      body: PasswordResetConfirmBody,
      response: { 200: z.object({ ok: z.literal(true) }) },
    },
    handler: async (request) => {
      await confirmEmployeeReset(db, { ...request.ctx, source: 'portal' }, request.body);
      return { ok: true as const };
    },
  });

  app.post('/api/tokens/check', {
    config: { access: 'public', rateLimit: { max: 30, timeWindow: '1 minute' } },
    schema: {
      tags,
      summary: 'Whether the token of an emailed link can still be used (before its form is filled in)',
      description:
        'For the activation, password-reset and setup pages: `valid`, or `used` / `expired` / `invalid` with the words ' +
        'to show. Uses nothing up.',
      body: TokenCheckBody,
      response: { 200: TokenCheckResult },
    },
    handler: (request) => tokenState(db, request.body.purpose, request.body.token),
  });

  const keyTags = ['API keys'];
  app.get('/api/api-keys', {
    config: { access: 'apiKeys.manage' },
    schema: { tags: keyTags, summary: 'List API keys', response: { 200: z.array(ApiKey) } },
    handler: (request) => listApiKeys(db, request.ctx),
  });
  app.post('/api/api-keys', {
    config: { access: 'apiKeys.manage' },
    schema: {
      tags: keyTags,
      summary: 'Create an API key (the key is shown once)',
      body: ApiKeyCreateBody,
      response: { 201: ApiKeyCreated },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await createApiKey(db, request.ctx, request.body)),
  });
  app.delete('/api/api-keys/:id', {
    config: { access: 'apiKeys.manage' },
    schema: {
      tags: keyTags,
      summary: 'Revoke an API key',
      params: z.object({ id: z.uuid() }),
      response: { 204: z.null() },
    },
    handler: async (request, reply) => {
      await revokeApiKey(db, request.ctx, request.params.id);
      return reply.status(204).send(null);
    },
  });
}
