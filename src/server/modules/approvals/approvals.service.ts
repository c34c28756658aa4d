import type { Account } from '../../../contracts/accounts.ts';
import type { ApprovalList } from '../../../contracts/approvals.ts';
import type { Approval } from '../../../contracts/registration.ts';
import type { Db, Executor } from '../../db/client.ts';
import type { AppDeps } from '../../deps.ts';
import type { Outbox } from '../../email/outbox.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { conflict, notFound } from '../../lib/errors.ts';
import { accountVisibleTo } from '../accounts/accounts.repository.ts';
import { getAccount } from '../accounts/accounts.service.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { pushOnPolicy } from '../erp/index.ts';
import { recordEvent } from '../events/index.ts';
import {
  accountsNamed,
  accountsWithEmailDomain,
  billingAddresses,
  contactsOfAccounts,
  countPendingAccounts,
  decidePendingAccount,
  decidePendingContacts,
  findDecision,
  listPendingAccounts,
  type DuplicateRow,
} from './approvals.repository.ts';

export type ApprovalsDeps = { db: Db; outbox: Outbox; publicUrl: string };

export const approvalsDepsOf = (deps: AppDeps): ApprovalsDeps => ({
  db: deps.database.db,
  outbox: deps.outbox,
  publicUrl: deps.config.publicUrl,
});

/** Mailbox providers anyone can sign up with: a shared domain there says nothing about a shared company. */
export const WEBMAIL_DOMAINS: readonly (string | RegExp)[] = [
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'yahoo.com',
  'icloud.com',
  'aol.com',
  /^gmx\.[a-z.]+$/,
  'web.de',
  'proton.me',
  'protonmail.com',
];

export const isWebmail = (domain: string) =>
  WEBMAIL_DOMAINS.some((d) => (typeof d === 'string' ? d === domain : d.test(domain)));

const MAX_DUPLICATES = 5;

const emailDomain = (email: string) => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

async function suspectedDuplicates(
  db: Executor,
  scopeId: string,
  account: { id: string; name: string },
  emails: string[],
): Promise<Approval['suspectedDuplicates']> {
  const found = new Map<string, DuplicateRow & { reasons: string[] }>();
  const add = (rows: DuplicateRow[], reason: string) => {
    for (const r of rows) {
      const entry = found.get(r.id) ?? { ...r, reasons: [] };
      entry.reasons.push(reason);
      found.set(r.id, entry);
    }
  };
  add(await accountsNamed(db, scopeId, account.id, account.name, MAX_DUPLICATES), 'Same name');
  const domains = [...new Set(emails.map(emailDomain))].filter((d) => d && !isWebmail(d));
  for (const domain of domains) {
    if (found.size >= MAX_DUPLICATES) break;
    add(
      await accountsWithEmailDomain(db, scopeId, account.id, domain, MAX_DUPLICATES),
      `Same email domain (${domain})`,
    );
  }
  return [...found.values()].slice(0, MAX_DUPLICATES).map((d) => ({
    accountId: d.id,
    name: d.name,
    number: d.number,
    reason: d.reasons.join('; '),
  }));
}

/** The approval queue: pending accounts with their contacts, billing address and suspected duplicates. */
export async function listApprovals(db: Executor, ctx: RequestContext, limit: number): Promise<ApprovalList> {
  assertCan(ctx, 'approvals.manage');
  const visible = accountVisibleTo(ctx);
  const accounts = await listPendingAccounts(db, ctx.scopeId, visible, limit);
  const count =
    accounts.length < limit ? accounts.length : await countPendingAccounts(db, ctx.scopeId, visible);
  const ids = accounts.map((a) => a.id);
  const contacts = await contactsOfAccounts(db, ids);
  const addresses = await billingAddresses(db, ids);
  const items: Approval[] = [];
  for (const a of accounts) {
    const own = contacts.filter((c) => c.account_id === a.id);
    items.push({
      account: {
        id: a.id,
        kind: a.kind,
        name: a.name,
        number: a.number,
        createdAt: a.created_at.toISOString(),
        billingAddress: addresses.get(a.id) ?? null,
      },
      contacts: own.map((c) => ({
        id: c.id,
        email: c.email,
        firstName: c.first_name,
        lastName: c.last_name,
        phone: c.phone,
      })),
      waitingSeconds: a.waiting_seconds,
      suspectedDuplicates: await suspectedDuplicates(
        db,
        ctx.scopeId,
        a,
        own.map((c) => c.email),
      ),
    });
  }
  return { items, count };
}

export async function countApprovals(db: Executor, ctx: RequestContext): Promise<{ count: number }> {
  assertCan(ctx, 'approvals.manage');
  return { count: await countPendingAccounts(db, ctx.scopeId, accountVisibleTo(ctx)) };
}

/** Why an account could not be decided: it is not there for this caller, or someone decided it already. */
async function notPending(db: Executor, ctx: RequestContext, id: string) {
  const current = await findDecision(db, ctx.scopeId, id, accountVisibleTo(ctx));
  if (!current) return notFound('The account');
  if (current.status === 'active' && current.approved_at)
    return conflict('This account was already approved; nothing was changed or sent');
  if (current.status === 'disabled' && current.rejected_at)
    return conflict('This account was already rejected; nothing was changed or sent');
  return conflict(`This account is not waiting for approval (it is ${current.status}); nothing was changed`);
}

type Decision = { kind: 'approve'; approvedBy: string } | { kind: 'reject'; reason: string };

/**
 * Decides a pending account: it and its waiting contacts become active (approve) or disabled (reject),
 * and each of those contacts gets `account-approved` or `account-rejected`. The conditional update makes
 * two employees deciding at once one decision, one email.
 */
async function decide(
  deps: ApprovalsDeps,
  ctx: RequestContext,
  id: string,
  decision: Decision,
): Promise<Account> {
  assertCan(ctx, 'approvals.manage');
  const approve = decision.kind === 'approve';
  const status = approve ? 'active' : 'disabled';
  return deps.db.transaction().execute(async (tx) => {
    const account = await decidePendingAccount(
      tx,
      ctx.scopeId,
      id,
      accountVisibleTo(ctx),
      decision.kind === 'approve'
        ? { status: 'active', approvedBy: decision.approvedBy }
        : { status: 'disabled', reason: decision.reason },
    );
    if (!account) throw await notPending(tx, ctx, id);
    const contacts = await decidePendingContacts(tx, id, status);
    const emailIds: string[] = [];
    for (const c of contacts) {
      const emailId = await deps.outbox.enqueue(tx, {
        scopeId: ctx.scopeId,
        templateKey: approve ? 'account-approved' : 'account-rejected',
        language: c.language,
        to: c.email,
        contactId: c.id,
        variables: {
          contact: { firstName: c.first_name, lastName: c.last_name, email: c.email },
          account: { name: account.name, number: account.number },
          ...(decision.kind === 'approve'
            ? { signInUrl: `${deps.publicUrl}/store/sign-in` }
            : { reason: decision.reason }),
        },
      });
      if (emailId) emailIds.push(emailId);
    }
    const contactIds = contacts.map((c) => c.id);
    await recordAudit(tx, ctx, {
      action: approve ? 'account.approved' : 'account.rejected',
      entityType: 'account',
      entityId: id,
      before: { status: 'pending' },
      after:
        decision.kind === 'approve'
          ? { status, activatedContactIds: contactIds, emailIds }
          : { status, reason: decision.reason, disabledContactIds: contactIds, emailIds },
    });
    const decided = await getAccount(tx, ctx, id);
    await recordEvent(tx, {
      scopeId: ctx.scopeId,
      type: approve ? 'account.approved' : 'account.rejected',
      accountId: id,
      data: {
        ...decided,
        contactIds,
        ...(decision.kind === 'reject' && { reason: decision.reason }),
      },
    });
    // Under the on-enable policy approving is the moment the account goes to the ERP.
    if (approve) {
      await pushOnPolicy(tx, ctx, id, 'enabled');
      return getAccount(tx, ctx, id);
    }
    return decided;
  });
}

export const approveAccount = (deps: ApprovalsDeps, ctx: RequestContext, id: string) =>
  decide(deps, ctx, id, { kind: 'approve', approvedBy: ctx.actor.label });

/** Rejects a pending account with a reason: it and its waiting contacts are disabled, each told why. */
export const rejectAccount = (deps: ApprovalsDeps, ctx: RequestContext, id: string, reason: string) =>
  decide(deps, ctx, id, { kind: 'reject', reason });
