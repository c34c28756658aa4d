import { sql } from 'kysely';
import type { z } from 'zod';
import type {
  BillingAddress,
  StoreRegisterBody,
  StoreRegisterResult,
  StoreRegistrationInfo,
} from '../../../contracts/registration.ts';
import type { Db, Executor } from '../../db/client.ts';
import type { Outbox } from '../../email/outbox.ts';
import type { JobRunner } from '../../jobs/job-runner.ts';
import { accountRequestQueue, originOf } from '../auth/account-requests.job.ts';
import type { RequestContext } from '../../http/context.ts';
import { AppError, unprocessable, uniqueViolation, type FieldError } from '../../lib/errors.ts';
import { hashNewPassword } from '../../lib/password-policy.ts';
import {
  accountNumberPrefix,
  auditedAccount,
  nextGeneratedNumber,
  selectAccounts,
  toAccount,
} from '../accounts/accounts.repository.ts';
import { checkedSignUpAddress } from '../addresses/address-check.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { signUpAttributes } from '../attributes/attributes.service.ts';
import { signUpAttributeValues } from '../attributes/validate.ts';
import { auditedContact, loadContact } from '../contacts/contacts.repository.ts';
import { registrationSettings } from '../settings/registration.ts';
import { browserLanguageOf, languageProblem } from '../settings/languages.ts';
import { assertRequiredFields, fieldRules, missingRequiredFields } from '../settings/required-fields.ts';
import { insertSignUpContact } from './sign-up-contact.ts';
import { recordEvents } from '../events/index.ts';
import { contactEvent } from '../contacts/contact-events.ts';

export type RegistrationDeps = { db: Db; outbox: Outbox; publicUrl: string; jobs: JobRunner };

type RegisterResult = z.infer<typeof StoreRegisterResult>;
/** `contactId` only when the visitor is to be signed in (a new account with immediate access). */
export type RegisterOutcome = RegisterResult & { contactId?: string };

/** The answer of an approval-mode sign-up; also what a bot (honeypot) and an already-used email hear. */
export const PENDING_MESSAGE =
  'Thank you! We received your request. Our team reviews every request, usually within one business day, and will email you as soon as your account is ready.';
/** Immediate access, but the email already has an account: nothing is created, its owner gets an email. */
export const CHECK_EMAIL_MESSAGE =
  'Thank you! We have sent you an email about your request. Check your inbox to continue.';
const ACTIVE_MESSAGE = 'Your account is ready and you are signed in.';

/** A context for what a visitor does on the storefront: a system-like actor, the visitor's IP. */
export function selfRegistrationContext(
  scopeId: string,
  request: { ip: string | null; requestId: string | null },
): RequestContext {
  return {
    actor: {
      type: 'system',
      id: null,
      label: 'self-registration',
      roles: [],
      permissions: new Set(),
      restrictToAssigned: false,
    },
    source: 'self-registration',
    scopeId,
    ip: request.ip,
    requestId: request.requestId,
  };
}

/** What the storefront sign-in page shows: which sign-up links, with which texts. */
export async function storeRegistrationInfo(
  db: Executor,
  scopeId: string,
  language: string | null = null,
): Promise<z.infer<typeof StoreRegistrationInfo>> {
  const [s, attributes, rules] = await Promise.all([
    registrationSettings(db, scopeId),
    signUpAttributes(db, scopeId, language),
    fieldRules(db, scopeId),
  ]);
  return {
    newAccount: { enabled: s.newAccount.enabled, linkText: s.newAccount.linkText },
    newContact: { enabled: s.newContact.enabled, linkText: s.newContact.linkText },
    allowPersonalAccounts: s.allowPersonalAccounts,
    requiredFields: rules.requiredFields.contact,
    languages: rules.languages,
    attributes,
  };
}

export async function findContactByEmail(db: Executor, scopeId: string, email: string) {
  return db
    .selectFrom('contacts')
    .select(['id', 'email', 'first_name', 'last_name', 'language'])
    .where('scope_id', '=', scopeId)
    .where(sql<boolean>`lower(email) = lower(${email})`)
    .executeTakeFirst();
}

/**
 * Someone used an email that already has a contact to sign up or join: nothing is created, the visitor
 * hears what a new email would hear, and the owner of the email is told (and may sign in or reset).
 */
export async function notifyEmailOwner(
  deps: RegistrationDeps,
  ctx: RequestContext,
  email: string,
  attempt: 'new-account' | 'join',
): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    const owner = await findContactByEmail(tx, ctx.scopeId, email);
    if (!owner) return;
    const emailId = await deps.outbox.enqueue(tx, {
      scopeId: ctx.scopeId,
      templateKey: 'sign-up-existing-email',
      language: owner.language,
      to: owner.email,
      contactId: owner.id,
      variables: {
        contact: { firstName: owner.first_name, lastName: owner.last_name, email: owner.email },
        signInUrl: `${deps.publicUrl}/store/sign-in`,
        resetUrl: `${deps.publicUrl}/store/reset`,
      },
    });
    await recordAudit(tx, ctx, {
      action: 'contact.sign_up_attempted',
      entityType: 'contact',
      entityId: owner.id,
      after: { attempt, emailId },
    });
  });
}

/** The unique index on (scope, lower(email)) turned away a second contact with this email. */
export const emailTaken = (err: unknown) => uniqueViolation(err) === 'contacts_scope_email_key';

/**
 * `POST /api/store/register`: a visitor creates an account with its first contact (seed 004). With
 * immediate access both are active and the caller signs the contact in; with approval both wait as
 * `pending` and the visitor gets `new-account-request-confirmation` (cc/bcc: the seller's staff).
 */
export async function registerAccount(
  deps: RegistrationDeps,
  ctx: RequestContext,
  body: StoreRegisterBody,
  browserLanguage?: string,
): Promise<RegisterOutcome> {
  const settings = await registrationSettings(deps.db, ctx.scopeId);
  const { newAccount } = settings;
  if (!newAccount.enabled) throw new AppError('forbidden', 'Creating accounts online is not available');
  if (body.kind === 'personal' && !settings.allowPersonalAccounts)
    throw unprocessable('Accounts can only be opened for a business', [
      { path: 'kind', message: 'Only business accounts can be created' },
    ]);
  const companyName = body.kind === 'business' ? body.companyName : null;
  if (body.kind === 'business' && !companyName)
    throw unprocessable('Enter your company name', [
      { path: 'companyName', message: 'Required for a business account' },
    ]);
  // The contact's mandatory fields and the attributes in one 422, so one answer names everything missing.
  const contact = await signUpContactProblems(deps.db, ctx.scopeId, body, browserLanguage);
  const attributes = await signUpAttributeValues(deps.db, ctx.scopeId, body.attributes, contact.problems);
  const { language } = contact;
  // Hashed on every path (bot, used email, new account), so the time taken tells nothing.
  const passwordHash = await hashNewPassword(body.password);
  const silent: RegisterOutcome = {
    outcome: 'pending',
    message: newAccount.access === 'approval' ? PENDING_MESSAGE : CHECK_EMAIL_MESSAGE,
  };
  // A bot filled the field people cannot see: it hears an approval-mode success, nothing is stored.
  if (body.website?.trim()) return { outcome: 'pending', message: PENDING_MESSAGE };
  // The same address book as the portal's: the country stored as its ISO code, the postal code checked.
  const billingAddress = checkedSignUpAddress(body.billingAddress, 'billingAddress.');
  const { password: _password, website: _website, ...details } = body;
  const signUp = { ...details, billingAddress, attributes, language };

  // With approval the answer is the same for a new and a used email, so the request does the same for
  // both: one job, which creates the account or tells the email's owner.
  if (newAccount.access === 'approval') {
    await deps.jobs.send(accountRequestQueue, {
      kind: 'sign-up',
      origin: originOf(ctx),
      body: signUp,
      passwordHash,
    });
    return silent;
  }
  return signUpOrNotify(deps, ctx, signUp, passwordHash, newAccount);
}

type SignUpDetails = Omit<StoreRegisterBody, 'password' | 'website'> & { language: string };

/** Creates the account, or, when the email already has one, tells its owner and answers like a new one. */
async function signUpOrNotify(
  deps: RegistrationDeps,
  ctx: RequestContext,
  body: SignUpDetails,
  passwordHash: string,
  settings: NewAccountSettings,
): Promise<RegisterOutcome> {
  const silent: RegisterOutcome = {
    outcome: 'pending',
    message: settings.access === 'approval' ? PENDING_MESSAGE : CHECK_EMAIL_MESSAGE,
  };
  if (await findContactByEmail(deps.db, ctx.scopeId, body.email)) {
    await notifyEmailOwner(deps, ctx, body.email, 'new-account');
    return silent;
  }
  try {
    return await createRegisteredAccount(deps, ctx, body, {
      name: (body.kind === 'business' && body.companyName) || `${body.firstName} ${body.lastName}`,
      passwordHash,
      settings,
    });
  } catch (err) {
    // Two sign-ups with the same new email at once: the loser is treated as an existing email.
    if (!emailTaken(err)) throw err;
    await notifyEmailOwner(deps, ctx, body.email, 'new-account');
    return silent;
  }
}

/**
 * The job of an approval-mode sign-up: the account waits as `pending` whatever the settings say now
 * (the visitor was told so), or the email's owner is told.
 */
export async function completeApprovalSignUp(
  deps: RegistrationDeps,
  ctx: RequestContext,
  body: SignUpDetails,
  passwordHash: string,
): Promise<void> {
  const { newAccount } = await registrationSettings(deps.db, ctx.scopeId);
  await signUpOrNotify(deps, ctx, body, passwordHash, { ...newAccount, access: 'approval' });
}

type NewAccountSettings = Awaited<ReturnType<typeof registrationSettings>>['newAccount'];

async function createRegisteredAccount(
  deps: RegistrationDeps,
  ctx: RequestContext,
  body: SignUpDetails,
  input: { name: string; passwordHash: string; settings: NewAccountSettings },
): Promise<RegisterOutcome> {
  const { settings } = input;
  const immediate = settings.access === 'immediate';
  const status = immediate ? ('active' as const) : ('pending' as const);
  const prefix = await accountNumberPrefix(deps.db, ctx.scopeId);
  // A generated number can collide with one an ERP assigned earlier; draw again a few times.
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.db.transaction().execute(async (tx) => {
        const now = new Date();
        const number = await nextGeneratedNumber(tx, prefix);
        const { id: accountId } = await tx
          .insertInto('accounts')
          .values({
            scope_id: ctx.scopeId,
            kind: body.kind,
            name: input.name,
            code: null,
            number,
            status,
            payment_terms: settings.defaults.paymentTerms,
            price_group: settings.defaults.priceGroup,
            sales_rep_code: settings.defaults.salesRepCode,
            erp_synced_at: null,
            custom: JSON.stringify(body.attributes?.account ?? {}),
            self_registered: true,
            created_at: now,
            updated_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await addDefaultCustomerGroups(tx, ctx.scopeId, accountId, settings.defaults.customerGroups);
        const address = body.billingAddress;
        await tx
          .insertInto('addresses')
          .values({
            account_id: accountId,
            contact_id: null,
            type: 'billing',
            is_default: true,
            name: null,
            line1: address.line1,
            line2: address.line2 ?? null,
            city: address.city,
            postal_code: address.postalCode,
            region: address.region ?? null,
            country: address.country,
          })
          .execute();
        const contactId = await insertSignUpContact(tx, {
          scopeId: ctx.scopeId,
          accountId,
          email: body.email,
          firstName: body.firstName,
          lastName: body.lastName,
          phone: body.phone ?? null,
          workPhone: body.workPhone ?? null,
          language: body.language,
          status,
          passwordHash: input.passwordHash,
          signedIn: immediate,
          custom: body.attributes?.contact,
        });

        const account = toAccount(
          (await selectAccounts(tx).where('accounts.id', '=', accountId).executeTakeFirst())!,
        );
        await recordAudit(tx, ctx, {
          action: 'account.created',
          entityType: 'account',
          entityId: accountId,
          after: {
            ...auditedAccount(account),
            selfRegistered: true,
            paymentTerms: settings.defaults.paymentTerms,
            priceGroup: settings.defaults.priceGroup,
            salesRepCode: settings.defaults.salesRepCode,
            customerGroups: account.customerGroups,
            billingAddress: billingAddressOf(address),
          },
        });
        const contact = (await loadContact(tx, contactId))!;
        await recordAudit(tx, ctx, {
          action: 'contact.created',
          entityType: 'contact',
          entityId: contactId,
          after: { ...auditedContact(contact), hasLogin: true },
        });
        await recordEvents(tx, [
          { scopeId: ctx.scopeId, type: 'account.created', accountId, data: account },
          contactEvent(ctx, 'contact.created', contact),
        ]);
        if (immediate) return { outcome: 'active' as const, message: ACTIVE_MESSAGE, contactId };

        await deps.outbox.enqueue(tx, {
          scopeId: ctx.scopeId,
          templateKey: 'new-account-request-confirmation',
          language: contact.language,
          to: contact.email,
          contactId,
          variables: {
            contact: {
              firstName: contact.firstName,
              lastName: contact.lastName,
              email: contact.email,
              phone: contact.phone,
            },
            account: { name: account.name, number: account.number, kind: account.kind },
            billingAddress: billingAddressOf(address),
          },
        });
        return { outcome: 'pending' as const, message: PENDING_MESSAGE };
      });
    } catch (err) {
      if (uniqueViolation(err) === 'accounts_scope_number_key' && attempt < 5) continue;
      throw err;
    }
  }
}

/**
 * The contact fields of a storefront form: mandatory built-in fields with the portal's messages, and an
 * enabled language (a browser language that is not enabled falls back to the default). Returns the language.
 */
export async function signUpContactChecks(
  db: Executor,
  scopeId: string,
  body: {
    phone?: string | null | undefined;
    workPhone?: string | null | undefined;
    language?: string | undefined;
  },
  browserLanguage: string | undefined,
): Promise<string> {
  const { language, problems } = await signUpContactProblems(db, scopeId, body, browserLanguage);
  assertRequiredFields(problems);
  return language;
}

/** The checks of `signUpContactChecks`, the problems returned for the caller to report with its own. */
async function signUpContactProblems(
  db: Executor,
  scopeId: string,
  body: Parameters<typeof signUpContactChecks>[2],
  browserLanguage: string | undefined,
): Promise<{ language: string; problems: FieldError[] }> {
  const rules = await fieldRules(db, scopeId);
  const problems = missingRequiredFields(rules.requiredFields.contact, body, { creating: true });
  const wrongLanguage = body.language ? languageProblem(body.language, rules.languages) : null;
  if (wrongLanguage) problems.push(wrongLanguage);
  return { language: body.language ?? browserLanguageOf(browserLanguage, rules.languages), problems };
}

/** The settings name customer groups by key; a group deleted since is skipped rather than failing a sign-up. */
async function addDefaultCustomerGroups(
  tx: Executor,
  scopeId: string,
  accountId: string,
  keys: string[],
): Promise<void> {
  if (!keys.length) return;
  const groups = await tx
    .selectFrom('customer_groups')
    .select('id')
    .where('scope_id', '=', scopeId)
    .where('key', 'in', keys)
    .execute();
  if (!groups.length) return;
  await tx
    .insertInto('account_customer_groups')
    .values(groups.map((g) => ({ account_id: accountId, customer_group_id: g.id })))
    .execute();
}

export function billingAddressOf(a: BillingAddress): BillingAddress {
  return {
    line1: a.line1,
    line2: a.line2 ?? null,
    city: a.city,
    postalCode: a.postalCode,
    region: a.region ?? null,
    country: a.country,
  };
}
