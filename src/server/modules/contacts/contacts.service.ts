import { randomUUID } from 'node:crypto';
import { sql, type Expression, type SqlBool } from 'kysely';
import type {
  Contact,
  ContactCreated,
  ContactCreateWithAccountBody,
  ContactListQuery,
  ContactSummary,
  ContactUpdateBody,
} from '../../../contracts/contacts.ts';
import { inTransaction, type Db, type Executor } from '../../db/client.ts';
import type { AppDeps } from '../../deps.ts';
import type { Outbox } from '../../email/outbox.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { decodeCursor, toPage } from '../../lib/cursor.ts';
import { searchTerm } from '../../lib/search-page.ts';
import { conflict, notFound, uniqueViolation, unprocessable, type FieldError } from '../../lib/errors.ts';
import { getAccount } from '../accounts/accounts.service.ts';
import { attributeFilters } from '../../../contracts/attributes.ts';
import { attributeFilterConditions, mergedCustom, validatedAttributeValues } from '../attributes/validate.ts';
import { recordEvent } from '../events/index.ts';
import { contactEvent } from './contact-events.ts';
import { diff, recordAudit, recordAudits } from '../audit/audit.service.ts';
import { assertCustomerGroupKnown, inCustomerGroup } from '../customer-groups/group-filter.ts';
import { resolveKeys } from '../roles/roles.service.ts';
import { setPrimaryAccountIn } from './contact-accounts.service.ts';
import { checkedLanguage, languageAmong } from '../settings/languages.ts';
import { clearedOnChange, fieldRules, missingRequiredFields } from '../settings/required-fields.ts';
import { sendContactLinkEmail } from './contact-emails.ts';
import {
  checkLoginRequest,
  generatedCredentials,
  groupsToJoin,
  loginOf,
  newContactLogin,
} from './contact-login.ts';
import { checkedWindowUpdate, newMemberAudits } from './contact-record.ts';
import {
  auditedContact,
  contactVisibleTo,
  insertNewContact,
  loadContact,
  replaceLinks,
  selectContacts,
  searchContactIds,
  selectContactSummaries,
  toContact,
  toContactSummary,
} from './contacts.repository.ts';

export type ContactsDeps = {
  db: Db;
  outbox: Outbox;
  publicUrl: string;
  activationTtlMs: number;
  passwordResetTtlMs: number;
};

export const contactsDepsOf = (deps: AppDeps): ContactsDeps => ({
  db: deps.database.db,
  outbox: deps.outbox,
  publicUrl: deps.config.publicUrl,
  activationTtlMs: deps.config.activationTtlMs,
  passwordResetTtlMs: deps.config.passwordResetTtlMs,
});

const emailTaken = () =>
  conflict('A contact with this email already exists in this store', [
    { path: 'email', message: 'Already used by another contact' },
  ]);

export async function getContact(db: Executor, ctx: RequestContext, id: string): Promise<Contact> {
  assertCan(ctx, 'contacts.read');
  // One statement: the contact, its relations, and whether this actor may see it (else 404, as missing).
  const row = await selectContacts(db)
    .where('contacts.id', '=', id)
    .where('contacts.scope_id', '=', ctx.scopeId)
    .where(contactVisibleTo(ctx))
    .executeTakeFirst();
  if (!row) throw notFound('The contact');
  return toContact(row);
}

/** Problems found so far, as one 422 naming every field. */
function throwProblems(problems: FieldError[]): void {
  if (problems.length)
    throw unprocessable(`Check the contact: ${problems.map((p) => p.message).join('; ')}`, problems);
}

export async function createContact(
  deps: ContactsDeps,
  ctx: RequestContext,
  body: ContactCreateWithAccountBody,
): Promise<ContactCreated> {
  assertCan(ctx, 'contacts.write');
  const { db } = deps;
  const requested = loginOf(body);
  const early: FieldError[] = [];
  checkLoginRequest(body, early);
  throwProblems(early);
  const generated = await generatedCredentials(requested);
  try {
    return await inTransaction(db, async (tx) => {
      await getAccount(tx, ctx, body.accountId);
      // Mandatory fields and enabled languages in one read.
      const rules = await fieldRules(tx, ctx.scopeId);
      const missing = missingRequiredFields(rules.requiredFields.contact, body, { creating: true });
      const attributes = await validatedAttributeValues(
        tx,
        ctx.scopeId,
        'contact',
        body.attributes,
        { creating: true },
        missing,
      );
      const problems: FieldError[] = [];
      const language = languageAmong(rules.languages, body.language, problems);
      const groups = await groupsToJoin(tx, ctx.scopeId, body.customerGroups ?? [], problems);
      const login = newContactLogin(requested, groups, generated, problems);
      throwProblems(problems);
      const [roleIds, groupRoleIds] = await Promise.all([
        resolveKeys(tx, 'roles', body.roles, 'roles'),
        resolveKeys(tx, 'group_roles', body.groupRoles, 'groupRoles'),
      ]);
      const id = randomUUID();
      await insertNewContact(
        tx,
        {
          id,
          scope_id: ctx.scopeId,
          email: body.email,
          first_name: body.firstName,
          last_name: body.lastName,
          phone: body.phone ?? null,
          work_phone: body.workPhone ?? null,
          language,
          status: 'active',
          password_hash: login.passwordHash,
          login_valid_from: login.from,
          login_valid_until: login.until,
          activated_at: login.activated ? new Date() : null,
          last_sign_in_at: null,
          custom: JSON.stringify(attributes.set),
        },
        { accountId: body.accountId, roleIds, groupRoleIds, customerGroupIds: groups.map((g) => g.id) },
      );
      const groupAudits = newMemberAudits(id, groups);
      const contact = (await loadContact(tx, id))!;
      await recordAudits(tx, ctx, [
        ...groupAudits,
        {
          action: 'contact.created',
          entityType: 'contact',
          entityId: id,
          after: { ...auditedContact(contact), login: requested.mode },
        },
      ]);
      await recordEvent(tx, contactEvent(ctx, 'contact.created', contact));
      if (login.sendActivation)
        await sendContactLinkEmail(deps, tx, ctx.scopeId, contact, 'activation', { newContact: true });
      return login.password ? { ...contact, password: login.password } : contact;
    });
  } catch (err) {
    if (uniqueViolation(err) === 'contacts_scope_email_key') throw emailTaken();
    throw err;
  }
}

export async function listContacts(
  db: Db,
  ctx: RequestContext,
  query: ContactListQuery,
): Promise<{ items: ContactSummary[]; nextCursor: string | null }> {
  assertCan(ctx, 'contacts.read');
  const filters: Expression<SqlBool>[] = [
    sql<SqlBool>`contacts.scope_id = ${ctx.scopeId}`,
    contactVisibleTo(ctx),
  ];
  if (query.status) filters.push(sql<SqlBool>`contacts.status = ${query.status}`);
  if (query.customerGroup) filters.push(inCustomerGroup('contact', ctx.scopeId, query.customerGroup));
  filters.push(
    ...(await attributeFilterConditions(db, ctx.scopeId, 'contact', attributeFilters(query), 'contacts')),
  );
  if (query.accountId) {
    await getAccount(db, ctx, query.accountId);
    filters.push(sql<SqlBool>`exists (select 1 from contact_accounts m
      where m.contact_id = contacts.id and m.account_id = ${query.accountId})`);
  }
  let ids: string[];
  let cursorOf: (id: string) => Record<string, string>;
  if (query.q) {
    // Id order, so a page never sorts every match; see searchPageQuery for how the plan stays on the index.
    const after = decodeCursor(query.cursor, { id: 'uuid' })?.id;
    const term = searchTerm(query.q);
    ids =
      term.kind === 'nothing'
        ? []
        : (await searchContactIds(ctx.scopeId, term, filters, after, query.limit + 1).execute(db)).rows.map(
            (r) => r.id,
          );
    cursorOf = (id) => ({ id });
  } else {
    // First the page of matching ids on `contacts` alone, then the display joins for those rows only:
    // joining before the limit would join every match.
    const cursor = decodeCursor(query.cursor, { at: 'timestamp', id: 'uuid' });
    if (cursor)
      filters.push(
        sql<SqlBool>`(contacts.created_at, contacts.id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`,
      );
    const rows = await db
      .selectFrom('contacts')
      .select(['contacts.id', sql<string>`contacts.created_at::text`.as('created_key')])
      .where(sql<SqlBool>`${sql.join(filters, sql` and `)}`)
      .orderBy('contacts.created_at', 'desc')
      .orderBy('contacts.id', 'desc')
      .limit(query.limit + 1)
      .execute();
    const keys = new Map(rows.map((r) => [r.id, r.created_key]));
    ids = rows.map((r) => r.id);
    cursorOf = (id) => ({ at: keys.get(id)!, id });
  }
  if (!ids.length && query.customerGroup)
    await assertCustomerGroupKnown(db, ctx.scopeId, query.customerGroup);
  const page = toPage(ids, query.limit, cursorOf, (id) => id);
  const rows = page.items.length
    ? await selectContactSummaries(db).where('contacts.id', 'in', page.items).execute()
    : [];
  const byId = new Map(rows.map((r) => [r.id, toContactSummary(r)]));
  return { items: page.items.map((id) => byId.get(id)!), nextCursor: page.nextCursor };
}

export async function updateContact(
  db: Db,
  ctx: RequestContext,
  id: string,
  body: ContactUpdateBody,
): Promise<Contact> {
  assertCan(ctx, 'contacts.write');
  try {
    return await inTransaction(db, async (tx) => {
      const before = await getContact(tx, ctx, id);
      const cleared = await clearedOnChange(tx, ctx.scopeId, 'contact', body);
      const attributes = await validatedAttributeValues(
        tx,
        ctx.scopeId,
        'contact',
        body.attributes,
        { creating: false },
        cleared,
      );
      const problems: FieldError[] = [];
      if (body.language !== undefined && body.language !== before.language)
        await checkedLanguage(tx, ctx.scopeId, body.language, problems);
      const window = checkedWindowUpdate(before, body, problems);
      throwProblems(problems);
      await tx
        .updateTable('contacts')
        .set({
          ...(body.email !== undefined && { email: body.email }),
          ...(body.firstName !== undefined && { first_name: body.firstName }),
          ...(body.lastName !== undefined && { last_name: body.lastName }),
          ...(body.phone !== undefined && { phone: body.phone }),
          ...(body.workPhone !== undefined && { work_phone: body.workPhone }),
          ...(body.language !== undefined && { language: body.language }),
          ...(body.status !== undefined && { status: body.status }),
          ...(body.attributes !== undefined && { custom: mergedCustom(attributes) }),
          ...window,
          updated_at: new Date(),
        })
        .where('id', '=', id)
        .execute();
      if (body.roles)
        await replaceLinks(tx, 'contact_roles', id, await resolveKeys(tx, 'roles', body.roles, 'roles'));
      if (body.groupRoles)
        await replaceLinks(
          tx,
          'contact_group_roles',
          id,
          await resolveKeys(tx, 'group_roles', body.groupRoles, 'groupRoles'),
        );
      if (body.status === 'disabled')
        await tx
          .deleteFrom('sessions')
          .where('subject_type', '=', 'contact')
          .where('subject_id', '=', id)
          .execute();
      const after = (await loadContact(tx, id))!;
      const changes = diff(auditedContact(before), auditedContact(after));
      if (changes) {
        await recordAudit(tx, ctx, {
          action: 'contact.updated',
          entityType: 'contact',
          entityId: id,
          ...changes,
        });
        await recordEvent(tx, contactEvent(ctx, 'contact.updated', after, Object.keys(changes.after)));
      }
      if (body.accountId === undefined) return after;
      // The same change as PUT /api/contacts/{id}/primary-account, with its own audit entries.
      await setPrimaryAccountIn(tx, ctx, id, { accountId: body.accountId });
      return (await loadContact(tx, id))!;
    });
  } catch (err) {
    if (uniqueViolation(err) === 'contacts_scope_email_key') throw emailTaken();
    throw err;
  }
}

/** R5: what to show before creating — the same email in the scope, the same name on the account. */
export async function findDuplicates(
  db: Db,
  ctx: RequestContext,
  query: { email?: string; firstName?: string; lastName?: string; accountId?: string },
): Promise<{ sameEmail: ContactSummary | null; sameNameOnAccount: ContactSummary[] }> {
  assertCan(ctx, 'contacts.read');
  const base = () =>
    selectContactSummaries(db).where('contacts.scope_id', '=', ctx.scopeId).where(contactVisibleTo(ctx));
  const sameEmail = query.email
    ? await base()
        .where(sql<boolean>`lower(contacts.email) = lower(${query.email})`)
        .executeTakeFirst()
    : undefined;
  let sameName: ContactSummary[] = [];
  if (query.accountId && query.firstName && query.lastName) {
    const rows = await base()
      .where(sql<boolean>`f_unaccent(lower(contacts.first_name)) = f_unaccent(lower(${query.firstName}))`)
      .where(sql<boolean>`f_unaccent(lower(contacts.last_name)) = f_unaccent(lower(${query.lastName}))`)
      .where(
        sql<boolean>`exists (select 1 from contact_accounts m where m.contact_id = contacts.id and m.account_id = ${query.accountId})`,
      )
      .limit(10)
      .execute();
    sameName = rows.map(toContactSummary);
  }
  return { sameEmail: sameEmail ? toContactSummary(sameEmail) : null, sameNameOnAccount: sameName };
}
