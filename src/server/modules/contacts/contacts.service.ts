import { sql, type Expression, type SqlBool } from 'kysely';
import type {
  Contact,
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
import { notFound, uniqueViolation, type FieldError } from '../../lib/errors.ts';
import { getAccount } from '../accounts/accounts.service.ts';
import { attributeFilters } from '../../../contracts/attributes.ts';
import { attributeFilterConditions, mergedCustom } from '../attributes/validate.ts';
import { recordEvent } from '../events/index.ts';
import { contactEvent } from './contact-events.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';
import { assertCustomerGroupKnown, inCustomerGroup } from '../customer-groups/group-filter.ts';
import { resolveKeys } from '../roles/roles.service.ts';
import { setPrimaryAccountIn } from './contact-accounts.service.ts';
import { checkedLanguage } from '../settings/languages.ts';
import { checkedRecordValues } from '../settings/required-fields.ts';
import { checkedWindowUpdate, emailTaken, throwProblems } from './contact-record.ts';
import {
  auditedContact,
  contactVisibleTo,
  findVisibleContact,
  loadContact,
  replaceLinks,
  searchContactIds,
  selectContactSummaries,
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

export async function getContact(db: Executor, ctx: RequestContext, id: string): Promise<Contact> {
  assertCan(ctx, 'contacts.read');
  // One statement: the contact, its relations, and whether this actor may see it (else 404, as missing).
  const contact = await findVisibleContact(db, ctx, id);
  if (!contact) throw notFound('The contact');
  return contact;
}

export { createContact } from './contact-create.service.ts';

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
      const attributes = await checkedRecordValues(tx, ctx.scopeId, 'contact', body, { creating: false });
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
