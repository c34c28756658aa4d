import { sql } from 'kysely';
import type {
  Contact,
  ContactListQuery,
  ContactSummary,
  ContactUpdateBody,
} from '../../../contracts/contacts.ts';
import type { Db, Executor } from '../../db/client.ts';
import type { AppDeps } from '../../deps.ts';
import type { Outbox } from '../../email/outbox.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { decodeCursor, likePattern, toPage } from '../../lib/cursor.ts';
import { notFound, uniqueViolation, type FieldError } from '../../lib/errors.ts';
import { getAccount } from '../accounts/accounts.service.ts';
import { attributeFilters } from '../../../contracts/attributes.ts';
import { attributeFilterConditions, mergedCustom, validatedAttributeValues } from '../attributes/validate.ts';
import { recordEvent } from '../events/index.ts';
import { contactEvent } from './contact-events.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';
import { assertCustomerGroupKnown, inCustomerGroup } from '../customer-groups/group-filter.ts';
import { resolveKeys } from '../roles/roles.service.ts';
import { setPrimaryAccountIn } from './contact-accounts.service.ts';
import { checkedLanguage } from '../settings/languages.ts';
import { assertRequiredOnChange } from '../settings/required-fields.ts';
import { checkedWindowUpdate, emailTaken, throwProblems } from './contact-record.ts';
import {
  auditedContact,
  contactVisibleTo,
  loadContact,
  replaceLinks,
  selectContacts,
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

export { createContact } from './contact-create.service.ts';

/**
 * A contact matches by its email or name, or by the code, number or name of an account it belongs to.
 * Both sides are trigram index scans whose ids are unioned, then probed by primary key: an OR with
 * EXISTS would test every contact of the scope.
 */
function contactSearch(scopeId: string, q: string) {
  const pattern = sql`f_unaccent(${likePattern(q)})`;
  return sql<boolean>`contacts.id IN (
    SELECT c.id FROM contacts c WHERE c.search LIKE ${pattern}
    UNION
    SELECT m.contact_id FROM accounts a JOIN contact_accounts m ON m.account_id = a.id
    WHERE a.scope_id = ${scopeId} AND a.search LIKE ${pattern})`;
}

export async function listContacts(
  db: Db,
  ctx: RequestContext,
  query: ContactListQuery,
): Promise<{ items: ContactSummary[]; nextCursor: string | null }> {
  assertCan(ctx, 'contacts.read');
  // First the page of matching ids on `contacts` alone, then the display joins for those rows only:
  // joining before the limit would join every match.
  let q = db
    .selectFrom('contacts')
    .select(['contacts.id', sql<string>`contacts.created_at::text`.as('created_key')])
    .where('contacts.scope_id', '=', ctx.scopeId)
    .where(contactVisibleTo(ctx))
    .limit(query.limit + 1);
  if (query.status) q = q.where('contacts.status', '=', query.status);
  if (query.customerGroup) q = q.where(inCustomerGroup('contact', ctx.scopeId, query.customerGroup));
  const filters = attributeFilters(query);
  for (const condition of await attributeFilterConditions(db, ctx.scopeId, 'contact', filters, 'contacts'))
    q = q.where(condition);
  if (query.accountId) {
    await getAccount(db, ctx, query.accountId);
    const accountId = query.accountId;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('contact_accounts as m')
          .select('m.contact_id')
          .whereRef('m.contact_id', '=', 'contacts.id')
          .where('m.account_id', '=', accountId),
      ),
    );
  }
  let cursorOf: (r: { id: string; created_key: string }) => Record<string, string>;
  if (query.q) {
    // Trigram match then id order, as for accounts: ordering every match is the slow part.
    const cursor = decodeCursor(query.cursor, { id: 'uuid' });
    q = q.where(contactSearch(ctx.scopeId, query.q)).orderBy('contacts.id');
    if (cursor) q = q.where('contacts.id', '>', cursor.id);
    cursorOf = (r) => ({ id: r.id });
  } else {
    const cursor = decodeCursor(query.cursor, { at: 'timestamp', id: 'uuid' });
    q = q.orderBy('contacts.created_at', 'desc').orderBy('contacts.id', 'desc');
    if (cursor)
      q = q.where(
        sql<boolean>`(contacts.created_at, contacts.id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`,
      );
    cursorOf = (r) => ({ at: r.created_key, id: r.id });
  }
  const matches = await q.execute();
  if (!matches.length && query.customerGroup)
    await assertCustomerGroupKnown(db, ctx.scopeId, query.customerGroup);
  const page = toPage(matches, query.limit, cursorOf, (r) => r.id);
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
    return await db.transaction().execute(async (tx) => {
      const before = await getContact(tx, ctx, id);
      await assertRequiredOnChange(tx, ctx.scopeId, 'contact', body);
      const attributes = await validatedAttributeValues(tx, ctx.scopeId, 'contact', body.attributes, {
        creating: false,
      });
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
