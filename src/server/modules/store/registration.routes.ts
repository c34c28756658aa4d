import type { FastifyRequest } from 'fastify';
import { ErrorBody } from '../../../contracts/common.ts';
import {
  JoinBody,
  JoinVerifyBody,
  JoinVerifyResult,
  StoreRegisterBody,
  StoreRegisterResult,
  StoreRegistrationInfo,
} from '../../../contracts/registration.ts';
import type { App, AppDeps } from '../../deps.ts';
import { preferredLanguage } from '../../http/accept-language.ts';
import { AppError } from '../../lib/errors.ts';
import { joinAccount, verifyJoin } from './join.service.ts';
import {
  registerAccount,
  selfRegistrationContext,
  storeRegistrationInfo,
  type RegistrationDeps,
} from './registration.service.ts';
import { startContactSession } from './store.routes.ts';

/** Per client address; `what` says in the answer what was limited. */
const perIpLimit = (max: number, timeWindow: string, what: string) => ({
  max,
  timeWindow,
  keyGenerator: (request: { ip: string }) => request.ip,
  errorResponseBuilder: (_req: unknown, context: { after: string }) =>
    new AppError('rate_limited', `Too many ${what} from your network. Try again in ${context.after}.`),
});

/** Storefront self-service: creating an account, and creating a login for an existing account (seed 004). */
export async function registrationRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['Storefront'];
  const registrationDeps: RegistrationDeps = {
    db,
    outbox: deps.outbox,
    publicUrl: deps.config.publicUrl,
    jobs: deps.jobs,
  };
  const contextOf = (request: FastifyRequest) =>
    selfRegistrationContext(deps.scopeId, { ip: request.ip ?? null, requestId: request.id });

  app.get('/api/store/registration', {
    config: { access: 'public' },
    schema: {
      tags,
      summary: 'Which sign-up links the storefront sign-in page shows, with their texts',
      response: { 200: StoreRegistrationInfo },
    },
    handler: (request) =>
      storeRegistrationInfo(db, deps.scopeId, preferredLanguage(request.headers['accept-language']) ?? null),
  });

  app.post('/api/store/register', {
    config: { access: 'public', sameOriginOnly: true, rateLimit: perIpLimit(5, '10 minutes', 'sign-ups') },
    schema: {
      tags,
      summary: 'Create an account with its first contact',
      description:
        'With immediate access the contact is signed in (`outcome: "active"` and the storefront session cookie). ' +
        'With approval the account and contact wait as `pending` and the visitor is emailed. An email that already ' +
        'has an account creates nothing and gets the same kind of answer as a new one (`pending`); its owner is emailed instead.',
      body: StoreRegisterBody,
      response: { 201: StoreRegisterResult, 403: ErrorBody, 422: ErrorBody, 429: ErrorBody },
    },
    handler: async (request, reply) => {
      if (request.body.website?.trim()) request.log.info('sign-up with the honeypot field filled: ignored');
      const { contactId, ...result } = await registerAccount(
        registrationDeps,
        contextOf(request),
        request.body,
        preferredLanguage(request.headers['accept-language']),
      );
      if (contactId) await startContactSession(deps, request, reply, contactId);
      return reply.status(201).send(result);
    },
  });

  app.post('/api/store/join/verify', {
    config: { access: 'public', sameOriginOnly: true, rateLimit: perIpLimit(10, '10 minutes', 'attempts') },
    schema: {
      tags,
      summary: 'Prove you belong to an existing account, to create a login for it',
      description:
        'Account number, the postal code of its billing address and the number of an invoice from the last 12 months. ' +
        'Any wrong combination gets the same 422. Limited per client and per account number.',
      body: JoinVerifyBody,
      response: { 200: JoinVerifyResult, 403: ErrorBody, 422: ErrorBody, 429: ErrorBody },
    },
    handler: (request) => verifyJoin(registrationDeps, contextOf(request), request.body),
  });

  app.post('/api/store/join', {
    config: { access: 'public', sameOriginOnly: true, rateLimit: perIpLimit(10, '10 minutes', 'attempts') },
    schema: {
      tags,
      summary: 'Create a login on the account of a verification (signs the contact in)',
      description:
        'An email that already has a contact creates nothing: `outcome: "pending"` and a "check your email" message, ' +
        'and its owner is emailed. The token is used up either way.',
      body: JoinBody,
      response: { 201: StoreRegisterResult, 403: ErrorBody, 422: ErrorBody, 429: ErrorBody },
    },
    handler: async (request, reply) => {
      const { contactId, ...result } = await joinAccount(
        registrationDeps,
        contextOf(request),
        request.body,
        preferredLanguage(request.headers['accept-language']),
      );
      if (contactId) await startContactSession(deps, request, reply, contactId);
      return reply.status(201).send(result);
    },
  });
}
