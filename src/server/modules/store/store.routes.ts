import { z } from 'zod';
import { ErrorBody } from '../../../contracts/common.ts';
import { StoreActivateBody, StoreSessionBody, StoreSessionInfo } from '../../../contracts/emails.ts';
import type { App, AppDeps } from '../../deps.ts';
import { CONTACT_COOKIE } from '../../http/auth.ts';
import { AppError } from '../../lib/errors.ts';
import { cookieOptions, signInRateLimit } from '../auth/auth.routes.ts';
import { endSession, startSession } from '../auth/sessions.ts';
import { activateContact, storeContact, verifyContactCredentials } from './store.service.ts';

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
      await activateContact(db, request.ctx, request.body);
      return { ok: true as const };
    },
  });

  app.post('/api/store/session', {
    config: { access: 'public', rateLimit: signInRateLimit },
    schema: {
      tags,
      summary: 'Sign a contact in',
      body: StoreSessionBody,
      response: { 200: StoreSessionInfo, 401: ErrorBody },
    },
    handler: async (request, reply) => {
      const contactId = await verifyContactCredentials(
        db,
        deps.scopeId,
        request.body.email,
        request.body.password,
      );
      const { token, expiresAt } = await startSession(
        db,
        { type: 'contact', id: contactId },
        {
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
          ttlMs: deps.config.sessionTtlMs,
        },
      );
      reply.setCookie(CONTACT_COOKIE, token, cookieOptions(deps, expiresAt));
      return (await storeContact(db, contactId))!;
    },
  });

  app.get('/api/store/session', {
    config: { access: 'contact' },
    schema: { tags, summary: 'The signed-in contact', response: { 200: StoreSessionInfo } },
    handler: async (request) => {
      const info = await storeContact(db, request.contactId!);
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
}
