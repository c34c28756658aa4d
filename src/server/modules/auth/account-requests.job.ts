import { z } from 'zod';
import { AuditSource } from '../../../contracts/audit.ts';
import { StoreRegisterBody } from '../../../contracts/registration.ts';
import type { AppDeps } from '../../deps.ts';
import type { RequestContext } from '../../http/context.ts';
import { defineQueue } from '../../jobs/job-runner.ts';
import { contactsDepsOf } from '../contacts/contacts.service.ts';
import { completeApprovalSignUp, selfRegistrationContext } from '../store/registration.service.ts';
import { requestContactLink } from '../store/store.service.ts';
import { requestEmployeeReset } from './employee-reset.ts';

/**
 * What a visitor asks for by email (a reset or activation link, an approval-mode sign-up) is looked up
 * and answered here, in a job: the request only writes the job, the same for a known and an unknown
 * email, so its answer and its time tell nobody whether the email has an account.
 */
const Origin = z.object({
  scopeId: z.uuid(),
  source: AuditSource,
  ip: z.string().nullable(),
  requestId: z.string().nullable(),
});

export const accountRequestQueue = defineQueue(
  'account.request',
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('employee-reset'), origin: Origin, email: z.string().max(254) }),
    z.object({
      kind: z.literal('contact-link'),
      origin: Origin,
      email: z.string().max(254),
      purpose: z.enum(['password-reset', 'activation']),
    }),
    z.object({
      kind: z.literal('sign-up'),
      origin: Origin,
      body: StoreRegisterBody.omit({ password: true, website: true }).extend({ language: z.string() }),
      // The argon2id hash made in the request: the password itself is never stored, not even in a job.
      passwordHash: z.string().startsWith('$argon2'),
    }),
  ]),
  { retry: { limit: 5, delaySeconds: 30, backoff: true }, expireInSeconds: 5 * 60 },
);
export type AccountRequest = z.infer<typeof accountRequestQueue.payload>;

/** The request's who-and-where, to write into the job (no actor: a visitor is nobody yet). */
export const originOf = (ctx: RequestContext): AccountRequest['origin'] => ({
  scopeId: ctx.scopeId,
  source: ctx.source,
  ip: ctx.ip,
  requestId: ctx.requestId,
});

const visitorContext = (origin: AccountRequest['origin']): RequestContext => ({
  ...origin,
  actor: {
    type: 'system',
    id: null,
    label: 'visitor',
    roles: [],
    permissions: new Set(),
    restrictToAssigned: true,
  },
});

export async function handleAccountRequest(deps: AppDeps, request: AccountRequest): Promise<void> {
  switch (request.kind) {
    case 'employee-reset':
      return requestEmployeeReset(
        {
          db: deps.database.db,
          outbox: deps.outbox,
          publicUrl: deps.config.publicUrl,
          passwordResetTtlMs: deps.config.passwordResetTtlMs,
        },
        visitorContext(request.origin),
        request.email,
      );
    case 'contact-link':
      return requestContactLink(
        contactsDepsOf(deps),
        visitorContext(request.origin),
        request.email,
        request.purpose,
      );
    case 'sign-up':
      return completeApprovalSignUp(
        { db: deps.database.db, outbox: deps.outbox, publicUrl: deps.config.publicUrl, jobs: deps.jobs },
        { ...selfRegistrationContext(request.origin.scopeId, request.origin), source: request.origin.source },
        request.body,
        request.passwordHash,
      );
  }
}

/** Every instance works the queue; the server starts this, and tests that need the emails. */
export async function startAccountRequestWorker(deps: AppDeps): Promise<void> {
  await deps.jobs.work(accountRequestQueue, (request) => handleAccountRequest(deps, request), {
    pollingIntervalSeconds: 0.5,
  });
}
