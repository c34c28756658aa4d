import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/common.ts';
import { StoreActivateBody, StoreSessionBody, StoreSessionInfo } from '../../../contracts/emails.ts';
import type { App, AppDeps } from '../../deps.ts';
import { CONTACT_COOKIE } from '../../http/auth.ts';
import { AppError } from '../../lib/errors.ts';
import { cookieOptions, linkRequestRateLimit, signInRateLimit } from '../auth/auth.routes.ts';
import { endSession, startSession } from '../auth/sessions.ts';
import { withRetryAfter } from '../auth/sign-in-guard.ts';
import { Branding } from '../../../contracts/email-templates.ts';
import {
  AcceptedMessage,
  PasswordResetConfirmBody,
  PasswordResetRequestBody,
} from '../../../contracts/emails.ts';
import { brandingOf } from '../../email/outbox.ts';
import { accountRequestQueue, originOf } from '../auth/account-requests.job.ts';
import { storeSessionInfo } from './store-account.service.ts';
import { setPasswordWithLink, verifyContactCredentials } from './store.service.ts';

/** Signs a contact in on the storefront: a session and its cookie (sign-in, sign-up, joining an account). */
export async function startContactSession(
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  contactId: string,
): Promise<void> {
  const { token, expiresAt } = await startSession(
    deps.database.db,
    { type: 'contact', id: contactId },
    {
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
      ttlMs: deps.config.sessionTtlMs,
    },
  );
  reply.setCookie(CONTACT_COOKIE, token, cookieOptions(deps, expiresAt));
}

export async function storeRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['Storefront'];

  app.post('/api/store/activate', {
    config: { access: 'public', rateLimit: { max: 20, timeWindow: '1 minute' } },
    schema: {
      tags,
      summary: 'Choose a password with the single-use link of the welcome email',
      body: StoreActivateBody,
      response: { 200: z.object({ ok: z.literal(true) }), 422: ErrorBody },
    },
    handler: async (request) => {
      await setPasswordWithLink(db, request.ctx, 'activation', request.body);
      return { ok: true as const };
    },
  });

  app.post('/api/store/session', {
    config: { access: 'public', sameOriginOnly: true, rateLimit: signInRateLimit },
    schema: {
      tags,
      summary: 'Sign a contact in',
      body: StoreSessionBody,
      response: { 200: StoreSessionInfo, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
    },
    handler: async (request, reply) => {
      const contactId = await withRetryAfter(reply, () =>
        verifyContactCredentials(db, deps.scopeId, request.body.email, request.body.password),
      );
      await startContactSession(deps, request, reply, contactId);
      return (await storeSessionInfo(db, contactId, undefined))!;
    },
  });

  app.get('/api/store/session', {
    config: { access: 'contact' },
    schema: { tags, summary: 'The signed-in contact', response: { 200: StoreSessionInfo } },
    handler: async (request) => {
      const info = await storeSessionInfo(db, request.contactId!, request.cookies[CONTACT_COOKIE]);
      if (!info) throw new AppError('unauthenticated', 'Sign in to continue');
      return info;
    },
  });

  app.delete('/api/store/session', {
    config: { access: 'public' },
    schema: { tags, summary: 'Sign the contact out', response: { 204: z.null() } },
    handler: async (request, reply) => {
      const token = request.cookies[CONTACT_COOKIE];
      if (token) await endSession(db, token);
      reply.clearCookie(CONTACT_COOKIE, cookieOptions(deps));
      return reply.status(204).send(null);
    },
  });

  app.post('/api/store/password-reset', {
    config: { access: 'public', rateLimit: linkRequestRateLimit },
    schema: {
      tags,
      summary: 'Ask for a password-reset link (the answer is the same whether or not the email exists)',
      body: PasswordResetRequestBody,
      response: { 202: AcceptedMessage },
    },
    handler: async (request, reply) => {
      await deps.jobs.send(accountRequestQueue, {
        kind: 'contact-link',
        origin: originOf(request.ctx),
        email: request.body.email,
        purpose: 'password-reset',
      });
      return reply.status(202).send({
        message:
          'If an account uses this email, we have sent it a link to choose a new password. The link works for one hour.',
      });
    },
  });

  app.post('/api/store/password-reset/confirm', {
    config: { access: 'public', rateLimit: { max: 20, timeWindow: '1 minute' } },
    schema: {
      tags,
      summary: 'Choose a new password with the link of the reset email',
      body: PasswordResetConfirmBody,
      response: { 200: z.object({ ok: z.literal(true) }), 422: ErrorBody },
    },
    handler: async (request) => {
      await setPasswordWithLink(db, request.ctx, 'password-reset', request.body);
      return { ok: true as const };
    },
  });

  app.post('/api/store/activation/resend', {
    config: { access: 'public', rateLimit: linkRequestRateLimit },
    schema: {
      tags,
      summary: 'Ask for a new activation link (the answer is the same whether or not the email exists)',
      body: PasswordResetRequestBody,
      response: { 202: AcceptedMessage },
    },
    handler: async (request, reply) => {
      await deps.jobs.send(accountRequestQueue, {
        kind: 'contact-link',
        origin: originOf(request.ctx),
        email: request.body.email,
        purpose: 'activation',
      });
      return reply.status(202).send({
        message:
          'If this email has an account that is not activated yet, we have sent it a new activation link.',
      });
    },
  });

  app.get('/api/store/branding', {
    config: { access: 'public' },
    schema: {
      tags,
      summary: 'The seller’s name, logo and colour for storefront pages',
      response: { 200: Branding },
    },
    handler: () => brandingOf(db, deps.scopeId),
  });
}
