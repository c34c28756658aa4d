import { sql } from 'kysely';
import type { Account } from '../../../contracts/accounts.ts';
import type { Db, Executor } from '../../db/client.ts';
import type { ErpSyncState } from '../../db/schema.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { conflict, notFound } from '../../lib/errors.ts';
import { accountVisibleTo, selectAccounts, toAccount } from '../accounts/accounts.repository.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { recordEvent } from '../events/index.ts';
import { erpSyncPolicy } from '../settings/registration.ts';

const SYNC_EVENT = 'account.sync-requested';
const NO_ENDPOINT =
  'No enabled webhook endpoint receives account.sync-requested: add one under Settings → Integrations, then push again';

/** What starts a push under a policy: `on-enable` pushes on approval or enabling, `first-order` on the first order. */
export type PushTrigger = 'enabled' | 'first-order' | 'manual';

const addressJson = (type: 'billing' | 'shipping') =>
  sql<Record<
    string,
    unknown
  > | null>`(select json_build_object('name', ad.name, 'line1', ad.line1, 'line2', ad.line2,
    'city', ad.city, 'postalCode', ad.postal_code, 'region', ad.region, 'country', ad.country)
    from addresses ad where ad.account_id = accounts.id and ad.type = ${type} and ad.is_default)`;

/** The contact an ERP records for the customer: the first whose primary account this is, else the first linked. */
const primaryContactJson = sql<Record<string, unknown> | null>`(select json_build_object('id', c.id,
    'email', c.email, 'firstName', c.first_name, 'lastName', c.last_name, 'phone', c.phone,
    'workPhone', c.work_phone, 'language', c.language)
    from contact_accounts ca join contacts c on c.id = ca.contact_id
    where ca.account_id = accounts.id order by ca.is_primary desc, ca.created_at, c.id limit 1)`;

/** Everything an ERP needs to create the customer, read in one statement. */
async function syncPayload(db: Executor, accountId: string) {
  const row = await selectAccounts(db)
    .select([
      addressJson('billing').as('billing_address'),
      addressJson('shipping').as('shipping_address'),
      primaryContactJson.as('primary_contact'),
    ])
    .where('accounts.id', '=', accountId)
    .executeTakeFirstOrThrow();
  const account = toAccount(row);
  return {
    account: {
      id: account.id,
      kind: account.kind,
      name: account.name,
      code: account.code,
      number: account.number,
      erpNumber: account.erpNumber,
      status: account.status,
      paymentTerms: account.paymentTerms,
      priceGroup: account.priceGroup,
      salesRepCode: account.salesRepCode,
      customerGroups: account.customerGroups,
      attributes: account.attributes,
      createdAt: account.createdAt,
    },
    billingAddress: row.billing_address,
    shippingAddress: row.shipping_address,
    primaryContact: row.primary_contact,
    attempt: account.erpSync.attempts,
  };
}

/**
 * Queues a push of the account to the ERP: the event `account.sync-requested`, in the caller's transaction.
 * The conditional UPDATE is the guard: of any number of racing callers (approvals, duplicate order events,
 * instances) only the one that moves the state out of one of `from` records the event. False when another did.
 */
export async function requestErpPush(
  tx: Executor,
  ctx: RequestContext,
  accountId: string,
  trigger: PushTrigger,
  from: readonly ErpSyncState[] = ['not-synced'],
): Promise<boolean> {
  // With no enabled endpoint taking the event nobody will ever receive it: the push fails at once, visibly.
  const heard = sql<boolean>`exists (select 1 from webhook_endpoints w where w.scope_id = accounts.scope_id
    and w.enabled and (${SYNC_EVENT} = any(w.event_types) or '*' = any(w.event_types)))`;
  const claimed = await tx
    .updateTable('accounts')
    .set({
      erp_sync_state: sql<ErpSyncState>`case when ${heard} then 'queued' else 'failed' end`,
      erp_queued_at: new Date(),
      erp_last_error: sql<string | null>`case when ${heard} then null else ${NO_ENDPOINT} end`,
      erp_sync_attempts: sql<number>`erp_sync_attempts + 1`,
    })
    .where('id', '=', accountId)
    .where('scope_id', '=', ctx.scopeId)
    .where('erp_sync_state', 'in', [...from])
    .returning(['erp_sync_state', 'erp_sync_attempts'])
    .executeTakeFirst();
  if (!claimed) return false;
  await recordEvent(tx, {
    scopeId: ctx.scopeId,
    type: SYNC_EVENT,
    accountId,
    data: { ...(await syncPayload(tx, accountId)), trigger },
  });
  await recordAudit(tx, ctx, {
    action: 'account.erp_push_requested',
    entityType: 'account',
    entityId: accountId,
    after: { trigger, attempts: claimed.erp_sync_attempts, state: claimed.erp_sync_state },
  });
  return true;
}

/** Pushes a never-synced account when the scope's policy says this trigger is the moment. */
export async function pushOnPolicy(
  tx: Executor,
  ctx: RequestContext,
  accountId: string,
  trigger: Exclude<PushTrigger, 'manual'>,
): Promise<boolean> {
  const policy = await erpSyncPolicy(tx, ctx.scopeId);
  const wanted = trigger === 'enabled' ? 'on-enable' : 'first-order';
  if (policy !== wanted) return false;
  return requestErpPush(tx, ctx, accountId, trigger);
}

/**
 * *Push to ERP* / *Push again* by an employee: from not-synced, failed or synced; a push still waiting
 * (queued) is a conflict, so a double click is one push.
 */
export async function pushAccountToErp(db: Db, ctx: RequestContext, accountId: string): Promise<Account> {
  assertCan(ctx, 'accounts.write');
  return db.transaction().execute(async (tx) => {
    const visible = await tx
      .selectFrom('accounts')
      .select('erp_sync_state')
      .where('id', '=', accountId)
      .where('scope_id', '=', ctx.scopeId)
      .where(accountVisibleTo(ctx))
      .executeTakeFirst();
    if (!visible) throw notFound('The account');
    const pushed = await requestErpPush(tx, ctx, accountId, 'manual', ['not-synced', 'failed', 'synced']);
    if (!pushed)
      throw conflict('A push of this account is already waiting for the ERP', [
        { path: 'erpSync.state', message: 'queued' },
      ]);
    return toAccount(await selectAccounts(tx).where('accounts.id', '=', accountId).executeTakeFirstOrThrow());
  });
}

/** What a delivery that the ERP refused (the webhook sender) reports: the account can be pushed again. */
export async function markErpSyncFailed(db: Executor, accountId: string, error: string): Promise<void> {
  await db
    .updateTable('accounts')
    .set({ erp_sync_state: 'failed', erp_last_error: error.slice(0, 2000) })
    .where('id', '=', accountId)
    .where('erp_sync_state', '=', 'queued')
    .execute();
}

/**
 * Queued accounts whose latest push can no longer reach the ERP become `failed`, with what each endpoint
 * last said: every delivery of the push failed (retries exhausted), sits on a disabled endpoint, or its
 * endpoint was deleted. One statement; `accountIds` narrows the search (a delivery that just failed),
 * without it every queued account of the scope is looked at (an endpoint disabled or deleted).
 */
export async function failUndeliverablePushes(
  db: Executor,
  scopeId: string,
  accountIds?: string[],
): Promise<string[]> {
  if (accountIds?.length === 0) return [];
  const { rows } = await sql<{ id: string }>`
    WITH latest AS (
      SELECT DISTINCT ON (e.account_id) e.id, e.account_id
      FROM events e JOIN accounts a ON a.id = e.account_id
      WHERE a.scope_id = ${scopeId} AND a.erp_sync_state = 'queued' AND e.type = ${SYNC_EVENT}
        ${accountIds ? sql`AND a.id = ANY(${accountIds}::uuid[])` : sql``}
      ORDER BY e.account_id, e.seq DESC
    ), dead AS (
      SELECT l.account_id, string_agg(w.url || ': ' || CASE
          WHEN d.status = 'failed' THEN coalesce(d.last_error, 'failed') || ' (' || d.attempts || ' attempts)'
          ELSE 'endpoint disabled' || coalesce(' (' || w.disabled_reason || ')', '') END, '; '
        ORDER BY w.url) AS why
      FROM latest l
      LEFT JOIN webhook_deliveries d ON d.event_id = l.id
      LEFT JOIN webhook_endpoints w ON w.id = d.endpoint_id
      GROUP BY l.account_id
      HAVING bool_and(d.id IS NULL OR d.status = 'failed' OR (d.status <> 'succeeded' AND NOT w.enabled))
    )
    UPDATE accounts a
    SET erp_sync_state = 'failed',
      erp_last_error = left('The push did not reach the ERP: ' ||
        coalesce(dead.why, 'its webhook endpoint was deleted'), 2000)
    FROM dead
    WHERE a.id = dead.account_id AND a.erp_sync_state = 'queued'
    RETURNING a.id`.execute(db);
  return rows.map((r) => r.id);
}
