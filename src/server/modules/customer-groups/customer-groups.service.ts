import { sql } from 'kysely';
import {
  loginDateToDate,
  type CustomerGroup,
  type CustomerGroupCreateBody,
  type CustomerGroupMembersBody,
  type CustomerGroupMembersResult,
  type CustomerGroupUpdateBody,
} from '../../../contracts/customer-groups.ts';
import type { Db, Executor } from '../../db/client.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { likePattern } from '../../lib/cursor.ts';
import { AppError, conflict, notFound, uniqueViolation, unprocessable } from '../../lib/errors.ts';
import { hashNewPassword } from '../../lib/password-policy.ts';
import { accountVisibleTo } from '../accounts/accounts.repository.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';
import { recordUpdatedEvents } from '../events/index.ts';
import { contactVisibleTo } from '../contacts/contacts.repository.ts';
import { replaceDefaultCustomerGroup } from '../settings/settings.service.ts';
import {
  addAccountMemberships,
  addContactMemberships,
  auditedCustomerGroup,
  findCustomerGroup,
  findCustomerGroupsByKeys,
  selectCustomerGroups,
  toCustomerGroup,
} from './customer-groups.repository.ts';

const ENTITY = 'customerGroup';

const withoutHash = ({ passwordHash: _hash, ...group }: CustomerGroup & { passwordHash: string | null }) =>
  group;

/** Whose assigned accounts bound the member counts a reader sees (an actor without an id reaches none). */
const assignedTo = (ctx: RequestContext) =>
  ctx.actor.restrictToAssigned ? (ctx.actor.id ?? '00000000-0000-0000-0000-000000000000') : null;

export async function listCustomerGroups(
  db: Executor,
  ctx: RequestContext,
  query: { q?: string },
): Promise<{ items: CustomerGroup[] }> {
  assertCan(ctx, 'customerGroups.read');
  let q = selectCustomerGroups(db, ctx.scopeId, assignedTo(ctx))
    .orderBy(sql`lower(customer_groups.name)`)
    .orderBy('customer_groups.id');
  if (query.q) {
    const pattern = likePattern(query.q);
    q = q.where(
      sql<boolean>`(lower(customer_groups.key) like ${pattern} or lower(customer_groups.name) like ${pattern})`,
    );
  }
  return { items: (await q.execute()).map(toCustomerGroup) };
}

export async function getCustomerGroup(
  db: Executor,
  ctx: RequestContext,
  id: string,
): Promise<CustomerGroup> {
  assertCan(ctx, 'customerGroups.read');
  const group = await findCustomerGroup(db, ctx.scopeId, id, assignedTo(ctx));
  if (!group) throw notFound('The customer group');
  return withoutHash(group);
}

export async function createCustomerGroup(
  db: Db,
  ctx: RequestContext,
  body: CustomerGroupCreateBody,
): Promise<CustomerGroup> {
  assertCan(ctx, 'customerGroups.write');
  try {
    return await db.transaction().execute(async (tx) => {
      const { id } = await tx
        .insertInto('customer_groups')
        .values({
          scope_id: ctx.scopeId,
          key: body.key,
          name: body.name,
          password_hash: null,
          login_valid_from: null,
          login_valid_until: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const group = withoutHash((await findCustomerGroup(tx, ctx.scopeId, id))!);
      await recordAudit(tx, ctx, {
        action: `${ENTITY}.created`,
        entityType: ENTITY,
        entityId: id,
        after: auditedCustomerGroup(group),
      });
      return group;
    });
  } catch (err) {
    // Either the exact key or the same key in another case (customer_groups_scope_lower_key).
    if (uniqueViolation(err) !== undefined)
      throw conflict('A customer group with this key already exists', [
        { path: 'key', message: 'Already used by another customer group' },
      ]);
    throw err;
  }
}

const toDateOrNull = (value: string | null, edge: 'from' | 'until') =>
  value === null ? null : loginDateToDate(value, edge);

/**
 * Renames a group, sets or removes its shared password, changes its validity window. Contacts that
 * still sign in with the group's password (they were given it, e.g. by a bulk add) follow: a new
 * password or its removal applies to them, and so does a new window unless they were given their own.
 */
export async function updateCustomerGroup(
  db: Db,
  ctx: RequestContext,
  id: string,
  body: CustomerGroupUpdateBody,
): Promise<CustomerGroup> {
  assertCan(ctx, 'customerGroups.write');
  // Hashing is slow on purpose: before the transaction, not inside it.
  const passwordHash =
    typeof body.password === 'string' ? await hashNewPassword(body.password) : body.password;
  return db.transaction().execute(async (tx) => {
    // Locked first: a bulk add giving contacts the group's password waits, or is waited for.
    await tx.selectFrom('customer_groups').select('id').where('id', '=', id).forUpdate().execute();
    const before = await findCustomerGroup(tx, ctx.scopeId, id);
    if (!before) throw notFound('The customer group');
    const from =
      body.loginValidFrom !== undefined
        ? toDateOrNull(body.loginValidFrom, 'from')
        : toDateOrNull(before.loginValidFrom, 'from');
    const until =
      body.loginValidUntil !== undefined
        ? toDateOrNull(body.loginValidUntil, 'until')
        : toDateOrNull(before.loginValidUntil, 'until');
    if (from && until && from > until)
      throw new AppError('invalid_input', 'The login must start being valid before it stops', [
        { path: 'loginValidUntil', message: `Must be after the start, ${from.toISOString()}` },
      ]);
    await tx
      .updateTable('customer_groups')
      .set({
        ...(body.name !== undefined && { name: body.name }),
        ...(passwordHash !== undefined && { password_hash: passwordHash }),
        login_valid_from: from,
        login_valid_until: until,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();

    let following = 0;
    if (before.passwordHash) {
      const members = tx
        .selectFrom('contact_customer_groups')
        .select('contact_id')
        .where('customer_group_id', '=', id);
      if (passwordHash !== undefined) {
        const changed = await tx
          .updateTable('contacts')
          .set({ password_hash: passwordHash, updated_at: new Date() })
          .where('id', 'in', members)
          .where('password_hash', '=', before.passwordHash)
          .returning('id')
          .execute();
        following = changed.length;
        // A changed or removed password ends the sessions opened with the old one.
        if (changed.length)
          await tx
            .deleteFrom('sessions')
            .where('subject_type', '=', 'contact')
            .where(
              'subject_id',
              'in',
              changed.map((c) => c.id),
            )
            .execute();
      }
      const windowChanged =
        (from?.toISOString() ?? null) !== before.loginValidFrom ||
        (until?.toISOString() ?? null) !== before.loginValidUntil;
      if (windowChanged) {
        const changed = await tx
          .updateTable('contacts')
          .set({ login_valid_from: from, login_valid_until: until, updated_at: new Date() })
          .where('id', 'in', members)
          .where('password_hash', '=', passwordHash ?? before.passwordHash)
          .where(sql<boolean>`login_valid_from is not distinct from ${before.loginValidFrom}::timestamptz`)
          .where(sql<boolean>`login_valid_until is not distinct from ${before.loginValidUntil}::timestamptz`)
          .returning('id')
          .execute();
        following = Math.max(following, changed.length);
      }
    }

    const after = withoutHash((await findCustomerGroup(tx, ctx.scopeId, id))!);
    const changes = diff(auditedCustomerGroup(withoutHash(before)), auditedCustomerGroup(after)) ?? {
      before: {},
      after: {},
    };
    if (typeof body.password === 'string' && before.hasPassword) {
      changes.before.password = 'set';
      changes.after.password = 'changed';
    }
    if (following) changes.after.contactsOnSharedPassword = following;
    if (Object.keys(changes.after).length)
      await recordAudit(tx, ctx, {
        action: `${ENTITY}.updated`,
        entityType: ENTITY,
        entityId: id,
        ...changes,
      });
    return after;
  });
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Deletes a group; one with members only when they move to another group first (`moveTo`). */
export async function deleteCustomerGroup(
  db: Db,
  ctx: RequestContext,
  id: string,
  options: { moveTo?: string },
): Promise<void> {
  assertCan(ctx, 'customerGroups.write');
  await db.transaction().execute(async (tx) => {
    // Locked, so no member can join while the group goes.
    await tx.selectFrom('customer_groups').select('id').where('id', '=', id).forUpdate().execute();
    const group = await findCustomerGroup(tx, ctx.scopeId, id);
    if (!group) throw notFound('The customer group');
    const members = group.contactCount + group.accountCount;
    let movedTo: string | undefined;
    if (options.moveTo !== undefined) {
      const [target] = await findCustomerGroupsByKeys(tx, ctx.scopeId, [options.moveTo], { lock: true });
      if (!target)
        throw unprocessable(`Unknown customer group: ${options.moveTo}`, [
          { path: 'moveTo', message: `Unknown customer group: ${options.moveTo}` },
        ]);
      if (target.id === id)
        throw unprocessable('Choose another group to move the members to', [
          { path: 'moveTo', message: 'The group being deleted' },
        ]);
      movedTo = target.key;
      await sql`insert into contact_customer_groups (contact_id, customer_group_id)
        select contact_id, ${target.id}::uuid from contact_customer_groups where customer_group_id = ${id}
        on conflict do nothing`.execute(tx);
      await sql`insert into account_customer_groups (account_id, customer_group_id)
        select account_id, ${target.id}::uuid from account_customer_groups where customer_group_id = ${id}
        on conflict do nothing`.execute(tx);
    } else if (members > 0) {
      const parts = [
        group.contactCount ? plural(group.contactCount, 'contact') : null,
        group.accountCount ? plural(group.accountCount, 'account') : null,
      ].filter(Boolean);
      throw conflict(
        `This customer group has ${plural(members, 'member')} (${parts.join(' and ')}); move them to another group or remove them first`,
        [{ path: 'moveTo', message: 'Choose a group to move the members to' }],
      );
    }
    const leftContacts = await tx
      .deleteFrom('contact_customer_groups')
      .where('customer_group_id', '=', id)
      .returning('contact_id')
      .execute();
    const leftAccounts = await tx
      .deleteFrom('account_customer_groups')
      .where('customer_group_id', '=', id)
      .returning('account_id')
      .execute();
    await tx.deleteFrom('customer_groups').where('id', '=', id).execute();
    // The members' groups changed (moved to `moveTo`): integrations hear it as for any membership change.
    const changed = ['customerGroups'];
    await recordUpdatedEvents(
      tx,
      ctx.scopeId,
      'account',
      leftAccounts.map((m) => m.account_id),
      changed,
    );
    await recordUpdatedEvents(
      tx,
      ctx.scopeId,
      'contact',
      leftContacts.map((m) => m.contact_id),
      changed,
    );
    await replaceDefaultCustomerGroup(tx, ctx, group.key, movedTo);
    await recordAudit(tx, ctx, {
      action: `${ENTITY}.deleted`,
      entityType: ENTITY,
      entityId: id,
      before: {
        ...auditedCustomerGroup(group),
        contactCount: group.contactCount,
        accountCount: group.accountCount,
      },
      after: movedTo
        ? { membersMovedTo: movedTo, contacts: group.contactCount, accounts: group.accountCount }
        : null,
    });
  });
}

function unknownIds(what: 'contact' | 'account', path: string, ids: string[]): AppError {
  const shown = ids.slice(0, 10).join(', ') + (ids.length > 10 ? ` and ${ids.length - 10} more` : '');
  const message = `Unknown ${what}${ids.length > 1 ? 's' : ''}: ${shown}`;
  return unprocessable(message, [{ path, message }]);
}

/** Adds contacts and accounts to a group, or takes them out; ids the actor cannot see are unknown. */
export async function changeCustomerGroupMembers(
  db: Db,
  ctx: RequestContext,
  id: string,
  body: CustomerGroupMembersBody,
  change: 'add' | 'remove',
): Promise<CustomerGroupMembersResult> {
  assertCan(ctx, 'customerGroups.write');
  const contactIds = [...new Set(body.contactIds ?? [])];
  const accountIds = [...new Set(body.accountIds ?? [])];
  return db.transaction().execute(async (tx) => {
    // Shared lock: a concurrent delete of the group waits for this, or this finds it gone.
    const locked = await tx
      .selectFrom('customer_groups')
      .select('id')
      .where('id', '=', id)
      .where('scope_id', '=', ctx.scopeId)
      .forShare()
      .executeTakeFirst();
    if (!locked) throw notFound('The customer group');
    if (contactIds.length) {
      const found = await tx
        .selectFrom('contacts')
        .select('id')
        .where('id', 'in', contactIds)
        .where('scope_id', '=', ctx.scopeId)
        .where(contactVisibleTo(ctx))
        .execute();
      const missing = contactIds.filter((c) => !found.some((f) => f.id === c));
      if (missing.length) throw unknownIds('contact', 'contactIds', missing);
    }
    if (accountIds.length) {
      const found = await tx
        .selectFrom('accounts')
        .select('id')
        .where('id', 'in', accountIds)
        .where('scope_id', '=', ctx.scopeId)
        .where(accountVisibleTo(ctx))
        .execute();
      const missing = accountIds.filter((a) => !found.some((f) => f.id === a));
      if (missing.length) throw unknownIds('account', 'accountIds', missing);
    }
    let contacts: string[];
    let accounts: string[];
    if (change === 'add') {
      contacts = (
        await addContactMemberships(
          tx,
          contactIds.map((contact_id) => ({ contact_id, customer_group_id: id })),
        )
      ).map((m) => m.contact_id);
      accounts = (
        await addAccountMemberships(
          tx,
          accountIds.map((account_id) => ({ account_id, customer_group_id: id })),
        )
      ).map((m) => m.account_id);
    } else {
      contacts = contactIds.length
        ? (
            await tx
              .deleteFrom('contact_customer_groups')
              .where('customer_group_id', '=', id)
              .where('contact_id', 'in', contactIds)
              .returning('contact_id')
              .execute()
          ).map((m) => m.contact_id)
        : [];
      accounts = accountIds.length
        ? (
            await tx
              .deleteFrom('account_customer_groups')
              .where('customer_group_id', '=', id)
              .where('account_id', 'in', accountIds)
              .returning('account_id')
              .execute()
          ).map((m) => m.account_id)
        : [];
    }
    if (contacts.length || accounts.length)
      await recordAudit(tx, ctx, {
        action: change === 'add' ? `${ENTITY}.members_added` : `${ENTITY}.members_removed`,
        entityType: ENTITY,
        entityId: id,
        after: { contactIds: contacts, accountIds: accounts },
      });
    // Set-based, whatever the selection's size: one statement per kind.
    await recordUpdatedEvents(tx, ctx.scopeId, 'account', accounts, ['customerGroups']);
    await recordUpdatedEvents(tx, ctx.scopeId, 'contact', contacts, ['customerGroups']);
    const group = withoutHash((await findCustomerGroup(tx, ctx.scopeId, id))!);
    return { contacts: contacts.length, accounts: accounts.length, group };
  });
}
