import { sql } from 'kysely';
import type { z } from 'zod';
import type { JoinBody, JoinVerifyBody, JoinVerifyResult } from '../../../contracts/registration.ts';
import type { RequestContext } from '../../http/context.ts';
import { countHit, readHits } from '../../http/rate-limits.ts';
import { AppError, unprocessable } from '../../lib/errors.ts';
import { consumeToken, issueToken } from '../../lib/one-time-tokens.ts';
import { hashNewPassword } from '../../lib/password-policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { auditedContact, loadContact } from '../contacts/contacts.repository.ts';
import { registrationSettings } from '../settings/registration.ts';
import { insertSignUpContact } from './sign-up-contact.ts';
import { recordEvent } from '../events/index.ts';
import { contactEvent } from '../contacts/contact-events.ts';
import {
  CHECK_EMAIL_MESSAGE,
  emailTaken,
  findContactByEmail,
  notifyEmailOwner,
  type RegisterOutcome,
  signUpContactChecks,
  type RegistrationDeps,
} from './registration.service.ts';

export const JOIN_TOKEN_TTL_MS = 30 * 60_000;
const INVOICE_MAX_AGE = '12 months';

/** The one answer for every wrong combination: it never says which part did not match. */
export const NO_MATCH_MESSAGE = 'These details don’t match our records';
const noMatch = () => unprocessable(NO_MATCH_MESSAGE);

/**
 * Failed verifications per account number, whatever the client's address: enough to stop guessing one
 * account's zip code and invoice numbers from many addresses. Counted in the database (every instance).
 */
export const JOIN_FAILURES = { max: 5, windowMs: 60 * 60_000 };
const failuresKey = (accountNumber: string) => `join-failures:${accountNumber}`;

/** Zip and postal codes compare without case, spaces or dashes ("sw1a 1aa" = "SW1A1AA"). */
export const normalizePostalCode = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');
const accountNumberKey = (number: string) => number.trim().toLowerCase();

function assertJoinEnabled(enabled: boolean) {
  if (!enabled) throw new AppError('forbidden', 'Creating a login for an existing account is not available');
}

/**
 * `POST /api/store/join/verify`: an active account with this number, whose default billing address
 * has this postal code and which has this invoice from the last 12 months. The answer carries a
 * single-use token (30 minutes) for `POST /api/store/join`.
 */
export async function verifyJoin(
  deps: RegistrationDeps,
  ctx: RequestContext,
  body: z.infer<typeof JoinVerifyBody>,
): Promise<z.infer<typeof JoinVerifyResult>> {
  const settings = await registrationSettings(deps.db, ctx.scopeId);
  assertJoinEnabled(settings.newContact.enabled);
  const key = accountNumberKey(body.accountNumber);
  const failures = await readHits(deps.db, failuresKey(key));
  if (failures.current >= JOIN_FAILURES.max) {
    const wait = Math.max(1, Math.ceil(failures.ttl / 60_000));
    throw new AppError(
      'rate_limited',
      `Too many attempts for this account number. Try again in ${wait} minute${wait === 1 ? '' : 's'}.`,
    );
  }

  const match = await deps.db
    .selectFrom('accounts')
    .innerJoin('addresses', (j) =>
      j
        .onRef('addresses.account_id', '=', 'accounts.id')
        .on('addresses.type', '=', 'billing')
        .on('addresses.is_default', '=', true),
    )
    .select([
      'accounts.id',
      'accounts.name',
      'accounts.number',
      'addresses.line1',
      'addresses.line2',
      'addresses.city',
      'addresses.postal_code',
      'addresses.region',
      'addresses.country',
    ])
    .where('accounts.scope_id', '=', ctx.scopeId)
    .where('accounts.status', '=', 'active')
    .where(sql<boolean>`lower(accounts.number) = ${key}`)
    .where(
      sql<boolean>`regexp_replace(lower(addresses.postal_code), '[[:space:]-]', '', 'g') = ${normalizePostalCode(body.postalCode)}`,
    )
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('invoices')
          .select(sql`1`.as('one'))
          .whereRef('invoices.account_id', '=', 'accounts.id')
          .whereRef('invoices.scope_id', '=', 'accounts.scope_id')
          .where(sql<boolean>`lower(invoices.number) = lower(${body.invoiceNumber})`)
          .where(sql<boolean>`invoices.date >= current_date - ${INVOICE_MAX_AGE}::interval`),
      ),
    )
    .limit(1)
    .executeTakeFirst();
  if (!match) {
    await countHit(deps.db, failuresKey(key), JOIN_FAILURES.windowMs);
    throw noMatch();
  }

  const { token, expiresAt } = await issueToken(deps.db, 'join', match.id, JOIN_TOKEN_TTL_MS);
  return {
    token,
    expiresAt: expiresAt.toISOString(),
    account: {
      name: match.name,
      number: match.number,
      billingAddress: {
        line1: match.line1,
        line2: match.line2,
        city: match.city,
        postalCode: match.postal_code,
        region: match.region,
        country: match.country,
      },
    },
  };
}

const JOIN_TOKEN_MESSAGES = {
  invalid: 'This confirmation is not valid. Check your account details again.',
  used: 'This confirmation was already used. Check your account details again to create another login.',
  expired: 'This confirmation has expired (it lasts 30 minutes). Check your account details again.',
} as const;

/** Consumes the join token; its own words instead of the ones about emailed links. */
async function consumeJoinToken(tx: Parameters<typeof consumeToken>[0], token: string): Promise<string> {
  try {
    const accountId = await consumeToken(tx, 'join', token);
    if (accountId) return accountId;
  } catch (err) {
    const reason = (err as AppError).details as { message?: string }[] | undefined;
    const why = reason?.[0]?.message;
    if (err instanceof AppError && (why === 'invalid' || why === 'used' || why === 'expired'))
      throw unprocessable(JOIN_TOKEN_MESSAGES[why], [{ path: 'token', message: why }]);
    throw err;
  }
  throw unprocessable(JOIN_TOKEN_MESSAGES.invalid, [{ path: 'token', message: 'invalid' }]);
}

/**
 * `POST /api/store/join`: with the token of a verification, a visitor creates their login on that
 * account (active, signed in by the caller). An email that already has a contact creates nothing: the
 * visitor is told to check their email and the owner is told. The token is used up either way, so
 * one verification can test one email at most.
 */
export async function joinAccount(
  deps: RegistrationDeps,
  ctx: RequestContext,
  body: z.infer<typeof JoinBody>,
  browserLanguage?: string,
): Promise<RegisterOutcome> {
  const settings = await registrationSettings(deps.db, ctx.scopeId);
  assertJoinEnabled(settings.newContact.enabled);
  const language = await signUpContactChecks(deps.db, ctx.scopeId, body, browserLanguage);
  const passwordHash = await hashNewPassword(body.password);
  const checkEmail: RegisterOutcome = { outcome: 'pending', message: CHECK_EMAIL_MESSAGE };
  if (body.website?.trim()) return checkEmail;

  const created = await createJoinedContact(deps, ctx, { ...body, language }, passwordHash).catch(
    (err: unknown) => {
      // Two joins with the same new email at once: the loser is treated as an existing email.
      if (emailTaken(err)) return null;
      throw err;
    },
  );
  if (!created) {
    await notifyEmailOwner(deps, ctx, body.email, 'join');
    return checkEmail;
  }
  return { outcome: 'active', message: 'Your login is ready and you are signed in.', contactId: created };
}

/** The contact's id, or null when the email already has a contact (the token is used up all the same). */
async function createJoinedContact(
  deps: RegistrationDeps,
  ctx: RequestContext,
  body: z.infer<typeof JoinBody>,
  passwordHash: string,
): Promise<string | null> {
  return deps.db.transaction().execute(async (tx) => {
    const accountId = await consumeJoinToken(tx, body.token);
    const account = await tx
      .selectFrom('accounts')
      .select(['id', 'name', 'number'])
      .where('id', '=', accountId)
      .where('scope_id', '=', ctx.scopeId)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (!account)
      throw unprocessable('This account can no longer be joined online. Contact us for help.', [
        { path: 'token', message: 'invalid' },
      ]);
    if (await findContactByEmail(tx, ctx.scopeId, body.email)) return null;

    const contactId = await insertSignUpContact(tx, {
      scopeId: ctx.scopeId,
      accountId: account.id,
      email: body.email,
      firstName: body.firstName,
      lastName: body.lastName,
      phone: body.phone ?? null,
      workPhone: body.workPhone ?? null,
      language: body.language,
      status: 'active',
      passwordHash,
      signedIn: true,
    });
    const contact = (await loadContact(tx, contactId))!;
    await recordAudit(tx, ctx, {
      action: 'contact.created',
      entityType: 'contact',
      entityId: contactId,
      after: { ...auditedContact(contact), hasLogin: true, joinedAccount: account.number },
    });
    await recordEvent(tx, contactEvent(ctx, 'contact.created', contact));
    await deps.outbox.enqueue(tx, {
      scopeId: ctx.scopeId,
      templateKey: 'new-contact-confirmation',
      language: contact.language,
      to: contact.email,
      contactId,
      variables: {
        contact: { firstName: contact.firstName, lastName: contact.lastName, email: contact.email },
        account: { name: account.name, number: account.number },
        signInUrl: `${deps.publicUrl}/store/sign-in`,
      },
    });
    return contactId;
  });
}
