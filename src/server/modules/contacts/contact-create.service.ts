import { randomUUID } from 'node:crypto';
import type { ContactLogin } from '../../../contracts/contact-login.ts';
import type { Contact, ContactCreated, ContactCreateWithAccountBody } from '../../../contracts/contacts.ts';
import type { ChainedWrite } from '../../db/write-chain.ts';
import { inTransaction, type Executor } from '../../db/client.ts';
import { emailEnabled, seedEmailContext } from '../../email/outbox.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import {
  foreignKeyViolation,
  notFound,
  uniqueViolation,
  unprocessable,
  type FieldError,
} from '../../lib/errors.ts';
import { newTokens } from '../../lib/one-time-tokens.ts';
import { assertAttributeValues, checkAttributeValues } from '../attributes/validate.ts';
import { auditRows } from '../audit/audit.service.ts';
import { eventWrites } from '../events/index.ts';
import { idsOfKeys } from '../roles/roles.service.ts';
import { languageAmong } from '../settings/languages.ts';
import { missingRequiredFields } from '../settings/required-fields.ts';
import { readCreationFacts, type CreationFacts } from './contact-create.repository.ts';
import { linkEmail, linkTemplateKey, linkTtl } from './contact-emails.ts';
import { contactEvent } from './contact-events.ts';
import {
  checkGroupsFound,
  checkLoginRequest,
  generatedCredentials,
  loginOf,
  newContactLogin,
  type NewContactLogin,
} from './contact-login.ts';
import { emailTaken, newMemberAudits, throwProblems } from './contact-record.ts';
import { auditedContact, insertNewContact } from './contacts.repository.ts';
import type { ContactsDeps } from './contacts.service.ts';

/**
 * A new contact on an account, with its roles, group roles, customer groups, login, audit rows, event and
 * activation email, in one transaction of two statements: one read of everything the checks need
 * (`readCreationFacts`), then the contact and all its writes as one chain of CTEs.
 */
export async function createContact(
  deps: ContactsDeps,
  ctx: RequestContext,
  body: ContactCreateWithAccountBody,
): Promise<ContactCreated> {
  assertCan(ctx, 'contacts.write');
  const requested = loginOf(body);
  const early: FieldError[] = [];
  checkLoginRequest(body, early);
  throwProblems(early);
  // The account is read as GET /api/accounts/{id} would: only by who may read it.
  assertCan(ctx, 'accounts.read');
  const generated = await generatedCredentials(requested);
  try {
    // In the caller's transaction when there is one (the ERP's contact upsert is one transaction).
    return await inTransaction(deps.db, async (tx) => {
      const facts = await readCreationFacts(tx, ctx, {
        accountId: body.accountId,
        customerGroups: body.customerGroups ?? [],
        roles: body.roles ?? [],
        groupRoles: body.groupRoles ?? [],
        // Its templates in every language: the contact's is known only once the checks have run.
        email:
          requested.mode === 'activation-email'
            ? { templateKey: linkTemplateKey('activation'), scopeId: ctx.scopeId, language: null }
            : null,
      });
      const { row, links, contact, login } = checkedNewContact(
        ctx.scopeId,
        facts,
        body,
        requested,
        generated,
      );
      const writes: ChainedWrite[] = [
        {
          name: 'new_audit',
          query: tx.insertInto('audit_log').values(
            auditRows(ctx, [
              ...newMemberAudits(contact.id, facts.groups),
              {
                action: 'contact.created',
                entityType: 'contact',
                entityId: contact.id,
                after: { ...auditedContact(contact), login: requested.mode },
              },
            ]),
          ),
        },
        ...eventWrites(tx, [contactEvent(ctx, 'contact.created', contact)]),
      ];
      const email =
        login.sendActivation && facts.email ? activationEmail(deps, tx, ctx, facts, contact) : null;
      if (email)
        writes.push(
          { name: 'new_token', query: tx.insertInto('one_time_tokens').values(email.tokens) },
          { name: 'new_email', query: tx.insertInto('emails').values(email.rendered.rows) },
        );
      await insertNewContact(tx, row, links, writes);
      email?.rendered.written();
      return login.password ? { ...contact, password: login.password } : contact;
    });
  } catch (err) {
    throw creationConflict(err) ?? err;
  }
}

/**
 * The activation email of a new contact and its link's token, rendered with the context read beforehand
 * (which seeds the transaction's); null when the email is switched off: then no link is issued either.
 */
function activationEmail(
  deps: ContactsDeps,
  tx: Executor,
  ctx: RequestContext,
  facts: CreationFacts,
  contact: Contact,
) {
  const wanted = {
    templateKey: linkTemplateKey('activation'),
    scopeId: ctx.scopeId,
    language: contact.language,
  };
  const context = seedEmailContext(tx, facts.email!, [wanted]);
  if (!emailEnabled(context, wanted.templateKey)) return null;
  const { issued, rows } = newTokens('activation', [contact.id], linkTtl(deps, 'activation'));
  const rendered = deps.outbox.render(context, [
    linkEmail(deps, ctx.scopeId, contact, 'activation', issued[0]!),
  ]);
  return { tokens: rows, rendered };
}

/**
 * The checks of a new contact, in the order the API has always reported them (account, mandatory fields,
 * attributes, then language, groups and login together, then roles and group roles), and its row, links
 * and the contact as the API shows it: everything comes from what was read, nothing is read back.
 */
function checkedNewContact(
  scopeId: string,
  facts: CreationFacts,
  body: ContactCreateWithAccountBody,
  requested: ContactLogin,
  generated: { password: string; hash: string } | null,
) {
  const account = facts.account;
  if (!account) throw notFound('The account');
  // One 422 names the missing built-in fields and the attributes' problems together.
  const missing = missingRequiredFields(facts.rules.requiredFields.contact, body, { creating: true });
  const attributes = checkAttributeValues(facts.attributes, body.attributes, { creating: true });
  assertAttributeValues({ ...attributes, errors: [...missing, ...attributes.errors] });
  const problems: FieldError[] = [];
  const language = languageAmong(facts.rules.languages, body.language, problems);
  checkGroupsFound(body.customerGroups ?? [], facts.groups, problems);
  const login: NewContactLogin = newContactLogin(requested, facts.groups, generated, problems);
  throwProblems(problems);
  const roleIds = idsOfKeys('roles', body.roles, facts.roles, 'roles');
  const groupRoleIds = idsOfKeys('group_roles', body.groupRoles, facts.groupRoles, 'groupRoles');
  const id = randomUUID();
  const roles = facts.roles.map((r) => r.key);
  const contact: Contact = {
    id,
    email: body.email,
    firstName: body.firstName,
    lastName: body.lastName,
    phone: body.phone ?? null,
    workPhone: body.workPhone ?? null,
    language,
    status: 'active',
    hasLogin: login.passwordHash !== null,
    account,
    accounts: [account],
    roles,
    groupRoles: facts.groupRoles.map((g) => g.key),
    effectiveRoles: [...new Set([...roles, ...facts.groupRoles.flatMap((g) => g.roles)])].sort(),
    customerGroups: facts.groups.map((g) => g.key),
    attributes: inJsonbOrder(attributes.set),
    loginValidFrom: login.from?.toISOString() ?? null,
    loginValidUntil: login.until?.toISOString() ?? null,
    createdAt: facts.now.toISOString(),
    updatedAt: facts.now.toISOString(),
  };
  const row = {
    id,
    scope_id: scopeId,
    email: body.email,
    first_name: body.firstName,
    last_name: body.lastName,
    phone: contact.phone,
    work_phone: contact.workPhone,
    language,
    status: 'active' as const,
    password_hash: login.passwordHash,
    login_valid_from: login.from,
    login_valid_until: login.until,
    activated_at: login.activated ? new Date() : null,
    last_sign_in_at: null,
    custom: JSON.stringify(attributes.set),
  };
  const links = {
    accountId: account.id,
    roleIds,
    groupRoleIds,
    customerGroupIds: facts.groups.map((g) => g.id),
  };
  return { row, links, contact, login };
}

/** An object's keys in the order a jsonb column gives them back (shorter first, then bytewise), as a read would. */
function inJsonbOrder<T>(values: Record<string, T>): Record<string, T> {
  const order = (a: string, b: string) =>
    a.length - b.length || Buffer.compare(Buffer.from(a), Buffer.from(b));
  return Object.fromEntries(Object.entries(values).sort(([a], [b]) => order(a, b)));
}

/**
 * What a constraint of the insert says, as the API answers it: the email taken (409); an account, role or
 * group role deleted between the check and the insert (404 / 422, as if the check had seen it).
 */
export function creationConflict(err: unknown): Error | undefined {
  if (uniqueViolation(err) === 'contacts_scope_email_key') return emailTaken();
  const constraint = foreignKeyViolation(err);
  if (constraint === 'contact_accounts_account_id_fkey') return notFound('The account');
  if (constraint === 'contact_roles_role_id_fkey')
    return unprocessable('A role was deleted meanwhile; check the roles', [
      { path: 'roles', message: 'A role was deleted meanwhile' },
    ]);
  if (constraint === 'contact_group_roles_group_role_id_fkey')
    return unprocessable('A group role was deleted meanwhile; check the group roles', [
      { path: 'groupRoles', message: 'A group role was deleted meanwhile' },
    ]);
  return undefined;
}
