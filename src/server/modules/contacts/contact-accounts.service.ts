import type {
  ContactAccountAddBody,
  ContactAccountList,
  ContactAccountsChange,
  PrimaryAccountBody,
} from '../../../contracts/contact-accounts.ts';
import { inTransaction, type Db, type Executor } from '../../db/client.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { conflict, notFound, uniqueViolation, unprocessable } from '../../lib/errors.ts';
import { recordAudits, type AuditInput } from '../audit/audit.service.ts';
import { recordEvent } from '../events/index.ts';
import {
  accountsWithoutContacts,
  findVisibleAccount,
  hiddenAccounts,
  isWebNumber,
  loadContactLinks,
  withWebFlag,
  writeLinks,
  type ContactLinks,
  type Link,
} from './contact-accounts.repository.ts';

/** The accounts of a contact, primary first (one statement). */
export async function listContactAccounts(
  db: Executor,
  ctx: RequestContext,
  contactId: string,
): Promise<ContactAccountList> {
  assertCan(ctx, 'contacts.read');
  const found = await loadContactLinks(db, ctx, contactId);
  if (!found) throw notFound('The contact');
  return { accounts: withWebFlag(found.links, found.prefix) };
}

export async function addContactAccount(
  db: Db,
  ctx: RequestContext,
  contactId: string,
  body: ContactAccountAddBody,
): Promise<ContactAccountsChange> {
  return changeLinks(db, ctx, contactId, 'contact.account_added', async (tx, current) => {
    const account = await findVisibleAccount(tx, ctx, body.accountId);
    if (!account) throw notFound('The account');
    if (current.links.some((l) => l.id === account.id))
      throw conflict('The contact is already in this account', [
        { path: 'accountId', message: 'Already one of the contact’s accounts' },
      ]);
    // A contact without accounts gets its first one as primary.
    const primary = body.primary === true || current.links.length === 0;
    return [
      ...current.links.map((l) => ({ ...l, primary: primary ? false : l.primary })),
      { ...account, primary },
    ];
  });
}

export async function removeContactAccount(
  db: Db,
  ctx: RequestContext,
  contactId: string,
  accountId: string,
  newPrimaryAccountId?: string,
): Promise<ContactAccountsChange> {
  return changeLinks(db, ctx, contactId, 'contact.account_removed', async (_tx, current) => {
    const link = current.links.find((l) => l.id === accountId);
    // Not one of the contact's accounts: as good as missing.
    if (!link) throw notFound('The account');
    const rest = current.links.filter((l) => l.id !== accountId);
    if (!rest.length)
      throw unprocessable('A contact keeps at least one account: add another one before removing this one', [
        { path: 'accountId', message: 'The contact’s only account' },
      ]);
    if (
      newPrimaryAccountId === accountId ||
      (newPrimaryAccountId && !rest.some((l) => l.id === newPrimaryAccountId))
    )
      throw unprocessable('The new primary account must be another of the contact’s accounts', [
        { path: 'newPrimaryAccountId', message: 'Choose another of the contact’s accounts' },
      ]);
    if (link.primary && !newPrimaryAccountId)
      throw unprocessable(
        'This is the contact’s primary account: name the new primary account to remove it',
        [{ path: 'newPrimaryAccountId', message: 'Required to remove the primary account' }],
      );
    const primary = link.primary ? newPrimaryAccountId : rest.find((l) => l.primary)?.id;
    return rest.map((l) => ({ ...l, primary: l.id === primary }));
  });
}

/**
 * Makes an account the contact's primary one, linking it first if needed. Re-mapping from a web account
 * (`W…`) to another account (seed 004: the ERP created the customer) leaves the web account, unless
 * `keepPrevious` says otherwise; any other previous primary stays as a secondary account.
 */
export async function setPrimaryAccount(
  db: Db,
  ctx: RequestContext,
  contactId: string,
  body: PrimaryAccountBody,
): Promise<ContactAccountsChange> {
  return changeLinks(db, ctx, contactId, 'contact.primary_account_changed', (tx, current) =>
    primaryChange(tx, ctx, current, body),
  );
}

/** The same, inside a caller's transaction (`PATCH /api/contacts/{id}` with `accountId`). */
export async function setPrimaryAccountIn(
  tx: Executor,
  ctx: RequestContext,
  contactId: string,
  body: PrimaryAccountBody,
): Promise<ContactAccountsChange> {
  return applyChange(tx, ctx, contactId, 'contact.primary_account_changed', (t, current) =>
    primaryChange(t, ctx, current, body),
  );
}

async function primaryChange(
  tx: Executor,
  ctx: RequestContext,
  current: ContactLinks,
  body: PrimaryAccountBody,
): Promise<Link[]> {
  const account =
    current.links.find((l) => l.id === body.accountId) ?? (await findVisibleAccount(tx, ctx, body.accountId));
  if (!account) throw notFound('The account');
  const previous = current.links.find((l) => l.primary);
  if (previous?.id === account.id) return current.links;
  const remap =
    !!previous &&
    isWebNumber(previous.number, current.prefix) &&
    !isWebNumber(account.number, current.prefix);
  const keep = body.keepPrevious ?? !remap;
  const others = current.links.filter((l) => l.id !== account.id && (keep || l.id !== previous?.id));
  return [{ ...account, primary: true }, ...others.map((l) => ({ ...l, primary: false }))];
}

type Next = (tx: Executor, current: ContactLinks) => Promise<Link[]>;

async function changeLinks(
  db: Db,
  ctx: RequestContext,
  contactId: string,
  action: string,
  next: Next,
): Promise<ContactAccountsChange> {
  assertCan(ctx, 'contacts.write');
  try {
    return await inTransaction(db, (tx) => applyChange(tx, ctx, contactId, action, next));
  } catch (err) {
    // Two changes of the same contact at once: the contact row lock orders them, but a link added by
    // another path (an import) can still collide.
    if (uniqueViolation(err)?.startsWith('contact_accounts'))
      throw conflict('The contact’s accounts changed at the same time: reload and try again');
    throw err;
  }
}

async function applyChange(
  tx: Executor,
  ctx: RequestContext,
  contactId: string,
  action: string,
  next: Next,
): Promise<ContactAccountsChange> {
  assertCan(ctx, 'contacts.write');
  const current = await loadContactLinks(tx, ctx, contactId, true);
  if (!current) throw notFound('The contact');
  const after = await next(tx, current);
  const stateOf = (links: Link[], id: string) => {
    const l = links.find((x) => x.id === id);
    return { linked: !!l, primary: l?.primary ?? false };
  };
  const touched = [...new Set([...current.links, ...after].map((l) => l.id))].filter(
    (id) => JSON.stringify(stateOf(current.links, id)) !== JSON.stringify(stateOf(after, id)),
  );
  if (!touched.length) return { accounts: withWebFlag(after, current.prefix), emptiedWebAccount: null };
  // Every account whose link changes must be one the actor may see (crmCompany*: assigned accounts).
  if ((await hiddenAccounts(tx, ctx, touched)).length) throw notFound('The account');
  await writeLinks(tx, contactId, current.links, after);

  const summary = (links: Link[]) => ({
    primaryAccountId: links.find((l) => l.primary)?.id ?? null,
    accounts: links.map((l) => ({ id: l.id, number: l.number, primary: l.primary })),
  });
  const entries: AuditInput[] = [
    {
      action,
      entityType: 'contact',
      entityId: contactId,
      before: summary(current.links),
      after: summary(after),
    },
    ...touched.map((id) => {
      const [b, a] = [stateOf(current.links, id), stateOf(after, id)];
      const what = !b.linked ? 'contact_added' : !a.linked ? 'contact_removed' : 'contact_primary_changed';
      return {
        action: `account.${what}`,
        entityType: 'account',
        entityId: id,
        before: { contactId, email: current.email, ...b },
        after: { contactId, email: current.email, ...a },
      };
    }),
  ];
  await recordAudits(tx, ctx, entries);
  const [before, now] = [current.links.find((l) => l.primary), after.find((l) => l.primary)];
  // A new primary account is what an ERP hears as a re-map (seed 004: from the web account to its own).
  if (now && before?.id !== now.id)
    await recordEvent(tx, {
      scopeId: ctx.scopeId,
      type: 'contact.remapped',
      accountId: now.id,
      data: {
        contactId,
        email: current.email,
        from: before ? { id: before.id, number: before.number } : null,
        to: { id: now.id, number: now.number },
      },
    });

  const removedWeb = current.links
    .filter((l) => !after.some((a) => a.id === l.id) && isWebNumber(l.number, current.prefix))
    .map((l) => l.id);
  const emptied = removedWeb.length ? await accountsWithoutContacts(tx, removedWeb) : [];
  return {
    accounts: withWebFlag(after, current.prefix),
    emptiedWebAccount: emptied.find((a) => a.status !== 'disabled') ?? null,
  };
}
