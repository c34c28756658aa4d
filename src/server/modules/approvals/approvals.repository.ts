import { sql, type Expression, type SqlBool } from 'kysely';
import type { Approval } from '../../../contracts/registration.ts';
import type { Executor } from '../../db/client.ts';
import { likePattern } from '../../lib/cursor.ts';

type BillingAddress = NonNullable<Approval['account']['billingAddress']>;

export type PendingAccountRow = {
  id: string;
  kind: 'business' | 'personal';
  name: string;
  number: string;
  created_at: Date;
  waiting_seconds: number;
};

/** Accounts waiting for approval, the longest waiting first (the partial index on pending accounts). */
export async function listPendingAccounts(
  db: Executor,
  scopeId: string,
  visible: Expression<SqlBool>,
  limit: number,
): Promise<PendingAccountRow[]> {
  return db
    .selectFrom('accounts')
    .select([
      'accounts.id',
      'accounts.kind',
      'accounts.name',
      'accounts.number',
      'accounts.created_at',
      sql<number>`greatest(0, floor(extract(epoch from now() - accounts.created_at)))::int`.as(
        'waiting_seconds',
      ),
    ])
    .where('accounts.scope_id', '=', scopeId)
    .where('accounts.status', '=', 'pending')
    .where(visible)
    .orderBy('accounts.created_at')
    .orderBy('accounts.id')
    .limit(limit)
    .execute();
}

export async function countPendingAccounts(
  db: Executor,
  scopeId: string,
  visible: Expression<SqlBool>,
): Promise<number> {
  const row = await db
    .selectFrom('accounts')
    .select(sql<number>`count(*)::int`.as('count'))
    .where('accounts.scope_id', '=', scopeId)
    .where('accounts.status', '=', 'pending')
    .where(visible)
    .executeTakeFirstOrThrow();
  return row.count;
}

export type ApprovalContactRow = {
  account_id: string;
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
};

export async function contactsOfAccounts(db: Executor, accountIds: string[]): Promise<ApprovalContactRow[]> {
  if (!accountIds.length) return [];
  return db
    .selectFrom('contact_accounts')
    .innerJoin('contacts', 'contacts.id', 'contact_accounts.contact_id')
    .select([
      'contact_accounts.account_id',
      'contacts.id',
      'contacts.email',
      'contacts.first_name',
      'contacts.last_name',
      'contacts.phone',
    ])
    .where('contact_accounts.account_id', 'in', accountIds)
    .orderBy('contact_accounts.is_primary', 'desc')
    .orderBy('contacts.created_at')
    .execute();
}

/** The default billing address of each account (else its first billing address). */
export async function billingAddresses(
  db: Executor,
  accountIds: string[],
): Promise<Map<string, BillingAddress>> {
  if (!accountIds.length) return new Map();
  const rows = await db
    .selectFrom('addresses')
    .select(['account_id', 'line1', 'line2', 'city', 'postal_code', 'region', 'country'])
    .where('account_id', 'in', accountIds)
    .where('type', '=', 'billing')
    .orderBy('account_id')
    .orderBy('is_default', 'desc')
    .orderBy('created_at')
    .execute();
  const out = new Map<string, BillingAddress>();
  for (const r of rows) {
    if (!r.account_id || out.has(r.account_id)) continue;
    out.set(r.account_id, {
      line1: r.line1,
      line2: r.line2,
      city: r.city,
      postalCode: r.postal_code,
      region: r.region,
      country: r.country,
    });
  }
  return out;
}

export type DuplicateRow = { id: string; name: string; number: string };

/**
 * Other accounts of the scope, not themselves waiting, with the same name as `name` whatever its case and
 * accents. The trigram index narrows by substring; the equality keeps exact matches only.
 */
export async function accountsNamed(
  db: Executor,
  scopeId: string,
  exceptId: string,
  name: string,
  limit: number,
): Promise<DuplicateRow[]> {
  const { rows } = await sql<DuplicateRow>`
    select a.id, a.name, a.number from accounts a
    where a.scope_id = ${scopeId} and a.status <> 'pending' and a.id <> ${exceptId}
      and a.search like f_unaccent(${likePattern(name)})
      and f_unaccent(lower(a.name)) = f_unaccent(lower(${name}))
    order by lower(a.name), a.id
    limit ${limit}`.execute(db);
  return rows;
}

/** Other accounts, not themselves waiting, with a contact whose email is at `domain` (lower case). */
export async function accountsWithEmailDomain(
  db: Executor,
  scopeId: string,
  exceptId: string,
  domain: string,
  limit: number,
): Promise<DuplicateRow[]> {
  // `search` starts with the email and a space: "…@acme.com " finds the domain through the trigram index.
  const { rows } = await sql<DuplicateRow>`
    select a.id, a.name, a.number from accounts a
    where a.scope_id = ${scopeId} and a.status <> 'pending' and a.id <> ${exceptId}
      and exists (
        select 1 from contact_accounts ca join contacts c on c.id = ca.contact_id
        where ca.account_id = a.id and c.scope_id = ${scopeId}
          and c.search like f_unaccent(${likePattern(`@${domain} `)})
          and lower(split_part(c.email, '@', 2)) = ${domain})
    order by lower(a.name), a.id
    limit ${limit}`.execute(db);
  return rows;
}

/** Marks a pending account decided; undefined when it is not pending (any more) or not visible. */
export async function decidePendingAccount(
  db: Executor,
  scopeId: string,
  id: string,
  visible: Expression<SqlBool>,
  decision: { status: 'active'; approvedBy: string } | { status: 'disabled'; reason: string },
): Promise<{ id: string; name: string; number: string } | undefined> {
  const now = new Date();
  return db
    .updateTable('accounts')
    .set(
      decision.status === 'active'
        ? { status: 'active', approved_at: now, approved_by: decision.approvedBy, updated_at: now }
        : { status: 'disabled', rejected_at: now, rejection_reason: decision.reason, updated_at: now },
    )
    .where('accounts.id', '=', id)
    .where('accounts.scope_id', '=', scopeId)
    .where('accounts.status', '=', 'pending')
    .where(visible)
    .returning(['accounts.id', 'accounts.name', 'accounts.number'])
    .executeTakeFirst();
}

export async function findDecision(db: Executor, scopeId: string, id: string, visible: Expression<SqlBool>) {
  return db
    .selectFrom('accounts')
    .select(['accounts.status', 'accounts.approved_at', 'accounts.rejected_at'])
    .where('accounts.id', '=', id)
    .where('accounts.scope_id', '=', scopeId)
    .where(visible)
    .executeTakeFirst();
}

/** The account's contacts that wait with it get its new status; returns them. */
export async function decidePendingContacts(db: Executor, accountId: string, status: 'active' | 'disabled') {
  return db
    .updateTable('contacts')
    .set({ status, updated_at: new Date() })
    .where('contacts.status', '=', 'pending')
    .where('contacts.id', 'in', (eb) =>
      eb.selectFrom('contact_accounts').select('contact_id').where('account_id', '=', accountId),
    )
    .returning([
      'contacts.id',
      'contacts.email',
      'contacts.first_name',
      'contacts.last_name',
      'contacts.language',
    ])
    .execute();
}
