import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Permission } from '../../contracts/permissions.ts';
import type { Db } from '../db/client.ts';
import { AppError } from '../lib/errors.ts';
import { actorFromApiKey, employeeActor, employeeFromSession } from '../modules/auth/auth.service.ts';
import { findSession, needsRenewal, renewSession, type SessionTimes } from '../modules/auth/sessions.ts';
import type { UsageWriter } from '../modules/auth/usage-writer.ts';
import { sha256 } from '../lib/secrets.ts';
import type { Actor, RequestContext } from './context.ts';

/** What a route needs: nobody, any employee or API key, a storefront contact, or one permission. */
export type Access = 'public' | 'employee' | 'contact' | Permission;

export const EMPLOYEE_COOKIE = 'clt_session';
export const CONTACT_COOKIE = 'clt_store';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** Sign-in and sign-up: refuse a foreign Origin even without a cookie (login CSRF). */
    sameOriginOnly?: boolean;
  }
  interface FastifyRequest {
    ctx: RequestContext;
    contactId: string | null;
    authenticatedBy: 'cookie' | 'api-key' | null;
  }
}

const visitor: Actor = {
  type: 'system',
  id: null,
  label: 'visitor',
  roles: [],
  permissions: new Set(),
  restrictToAssigned: true,
};

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The session cookies' settings: not readable by scripts, sent on same-site navigation, https-only on https. */
export function sessionCookie(publicUrl: string, expires?: Date) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: publicUrl.startsWith('https://'),
    ...(expires && { expires }),
  };
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

export function registerAuth(
  app: FastifyInstance,
  deps: { db: Db; scopeId: string; publicUrl: string; sessionTtlMs: number; usage: UsageWriter },
): void {
  const publicOrigin = new URL(deps.publicUrl).origin;
  /**
   * A session still running for a while is renewed by the usage writer's next flush, off the request's
   * path; one about to end (within two flush intervals) is renewed at once, so it cannot lapse meanwhile.
   */
  const renew = async (reply: FastifyReply, cookie: string, token: string, session: SessionTimes) => {
    const now = Date.now();
    let expires: Date | null = new Date(now + deps.sessionTtlMs);
    if (session.expiresAt.getTime() - now > 2 * deps.usage.intervalMs)
      deps.usage.sessionRenewed(sha256(token), expires);
    else expires = await renewSession(deps.db, token, deps.sessionTtlMs);
    if (expires) reply.setCookie(cookie, token, sessionCookie(deps.publicUrl, expires));
  };

  // Every API route must say who may call it; forgetting is a start-up error, not an open door.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/') && !route.url.startsWith('/api/docs') && !route.config?.access) {
      throw new Error(`Route ${String(route.method)} ${route.url} declares no access`);
    }
  });

  app.decorateRequest('ctx', null as unknown as RequestContext);
  app.decorateRequest('contactId', null);
  app.decorateRequest('authenticatedBy', null);

  // Before validation, so that a caller without credentials learns that first, not what is wrong with the body.
  app.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
    const access = request.routeOptions.config?.access;
    if (!access) return;
    const base = { scopeId: deps.scopeId, ip: request.ip ?? null, requestId: request.id };
    request.ctx = { ...base, actor: visitor, source: 'self-registration' };
    // Before any credential is looked at: a foreign page must not sign a browser in to an account it chose.
    if (request.routeOptions.config.sameOriginOnly) refuseForeignOrigin(request, publicOrigin);

    if (access === 'public' || access === 'contact') {
      const token = request.cookies[CONTACT_COOKIE];
      const session = token ? await findSession(deps.db, token, 'contact') : undefined;
      if (session) {
        request.contactId = session.id;
        request.authenticatedBy = 'cookie';
      }
      if (access === 'contact' && !session) throw new AppError('unauthenticated', 'Sign in to continue');
      checkOrigin(request, reply, publicOrigin);
      // Only a request that passed the checks keeps the session alive.
      if (session && needsRenewal(session, deps.sessionTtlMs))
        await renew(reply, CONTACT_COOKIE, token!, session);
      return;
    }

    const key = bearer(request);
    if (key) {
      const actor = await actorFromApiKey(deps.db, key);
      if (!actor) throw new AppError('unauthenticated', 'The API key is not valid or was revoked');
      if (actor.id) deps.usage.keyUsed(actor.id);
      request.ctx = { ...base, actor, source: 'api' };
      request.authenticatedBy = 'api-key';
    } else {
      const token = request.cookies[EMPLOYEE_COOKIE];
      const signedIn = token ? await employeeFromSession(deps.db, token) : undefined;
      if (!signedIn) throw new AppError('unauthenticated', 'Sign in to continue');
      request.ctx = { ...base, actor: employeeActor(signedIn.employee), source: 'portal' };
      request.authenticatedBy = 'cookie';
      checkOrigin(request, reply, publicOrigin);
      if (needsRenewal(signedIn.session, deps.sessionTtlMs))
        await renew(reply, EMPLOYEE_COOKIE, token!, signedIn.session);
    }
    if (access !== 'employee' && !request.ctx.actor.permissions.has(access)) {
      throw new AppError('forbidden', `You need the "${access}" permission`, { permission: access });
    }
  });
}

/** Cookie-authenticated writes must come from our own pages: a foreign Origin is refused. */
function checkOrigin(request: FastifyRequest, _reply: FastifyReply, publicOrigin: string): void {
  if (request.authenticatedBy !== 'cookie') return;
  refuseForeignOrigin(request, publicOrigin);
}

/** A write whose Origin is another site's (or, without Origin, that the browser calls cross-site) is refused. */
function refuseForeignOrigin(request: FastifyRequest, publicOrigin: string): void {
  if (!UNSAFE.has(request.method)) return;
  const origin = request.headers.origin;
  const ownOrigin = `${request.protocol}://${request.host}`;
  if (
    origin
      ? origin !== publicOrigin && origin !== ownOrigin
      : request.headers['sec-fetch-site'] === 'cross-site'
  ) {
    throw new AppError('forbidden', 'This request came from another site and was refused');
  }
}
