import { sql } from 'kysely';
import {
  COMMERCIAL_FIELDS,
  COMMERCIAL_LABELS,
  type CommercialCode,
  type CommercialCodeCreateBody,
  type CommercialCodeUpdateBody,
  type CommercialList,
} from '../../../contracts/commercial-terms.ts';
import type { ErpWriteStatus } from '../../../contracts/erp.ts';
import type { RegistrationSettings } from '../../../contracts/registration.ts';
import { inTransaction, type Db, type Executor } from '../../db/client.ts';
import { assertCan, can, type RequestContext } from '../../http/context.ts';
import { AppError, conflict, forbidden, notFound, unprocessable, uniqueViolation } from '../../lib/errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { registrationSettings } from '../settings/registration.ts';
import { writeSetting } from '../settings/settings.repository.ts';
import { COMMERCIAL_COLUMNS, selectCodes } from './commercial-terms.repository.ts';

const ENTITY: Record<CommercialList, string> = {
  'payment-terms': 'payment_terms',
  'price-groups': 'price_group',
  'sales-reps': 'sales_rep',
};

/** Who reads accounts sees the codes on them; who edits settings picks from the lists. */
function assertCanRead(ctx: RequestContext) {
  if (!can(ctx, 'accounts.read') && !can(ctx, 'settings.read'))
    throw forbidden('You need the "accounts.read" or "settings.read" permission', {
      permission: 'accounts.read',
    });
}

export async function listCommercialCodes(
  db: Executor,
  ctx: RequestContext,
  list: CommercialList,
): Promise<{ items: CommercialCode[] }> {
  assertCanRead(ctx);
  return { items: await selectCodes(db, ctx.scopeId, list) };
}

async function findCode(db: Executor, ctx: RequestContext, list: CommercialList, code: string) {
  const [row] = await selectCodes(db, ctx.scopeId, list, code);
  if (!row) throw notFound(`The ${COMMERCIAL_LABELS[list].one} “${code}”`);
  return row;
}

export async function createCommercialCode(
  db: Db,
  ctx: RequestContext,
  list: CommercialList,
  body: CommercialCodeCreateBody,
): Promise<CommercialCode> {
  assertCan(ctx, 'settings.write');
  try {
    return await inTransaction(db, async (tx) => {
      await tx
        .insertInto('commercial_codes')
        .values({
          scope_id: ctx.scopeId,
          list,
          code: body.code,
          name: body.name,
          active: body.active ?? true,
        })
        .execute();
      const created = await findCode(tx, ctx, list, body.code);
      await recordAudit(tx, ctx, {
        action: `${ENTITY[list]}.created`,
        entityType: ENTITY[list],
        entityId: body.code,
        after: { code: created.code, name: created.name, active: created.active },
      });
      return created;
    });
  } catch (err) {
    if (uniqueViolation(err) !== undefined)
      throw conflict(`The ${COMMERCIAL_LABELS[list].one} “${body.code}” already exists`, [
        { path: 'code', message: 'Already in the list' },
      ]);
    throw err;
  }
}

export async function updateCommercialCode(
  db: Db,
  ctx: RequestContext,
  list: CommercialList,
  code: string,
  body: CommercialCodeUpdateBody,
): Promise<CommercialCode> {
  assertCan(ctx, 'settings.write');
  return inTransaction(db, async (tx) => {
    const before = await findCode(tx, ctx, list, code);
    await tx
      .updateTable('commercial_codes')
      .set({
        ...(body.name !== undefined && { name: body.name }),
        ...(body.active !== undefined && { active: body.active }),
        updated_at: new Date(),
      })
      .where('scope_id', '=', ctx.scopeId)
      .where('list', '=', list)
      .where('code', '=', code)
      .execute();
    const after = await findCode(tx, ctx, list, code);
    const b: Record<string, unknown> = {};
    const a: Record<string, unknown> = {};
    for (const k of ['name', 'active'] as const)
      if (before[k] !== after[k]) {
        b[k] = before[k];
        a[k] = after[k];
      }
    if (Object.keys(a).length)
      await recordAudit(tx, ctx, {
        action: `${ENTITY[list]}.updated`,
        entityType: ENTITY[list],
        entityId: code,
        before: b,
        after: a,
      });
    return after;
  });
}

/**
 * Creates the code, or gives it the name (and active flag, when sent) of the request: an ERP's PUT. The same
 * request again writes nothing and no audit entry (`unchanged`); a create that loses a race updates instead.
 */
export async function upsertCommercialCode(
  db: Db,
  ctx: RequestContext,
  list: CommercialList,
  code: string,
  body: CommercialCodeUpdateBody & { name: string },
  retried = false,
): Promise<{ status: ErpWriteStatus; commercialCode: CommercialCode }> {
  assertCan(ctx, 'settings.write');
  try {
    // The read and the write in one transaction: a failure leaves nothing half-written.
    return await inTransaction(db, async (tx) => {
      const [existing] = await selectCodes(tx, ctx.scopeId, list, code);
      if (!existing)
        return {
          status: 'created' as const,
          commercialCode: await createCommercialCode(tx, ctx, list, { ...body, code }),
        };
      if (existing.name === body.name && (body.active === undefined || existing.active === body.active))
        return { status: 'unchanged' as const, commercialCode: existing };
      return {
        status: 'updated' as const,
        commercialCode: await updateCommercialCode(tx, ctx, list, code, body),
      };
    });
  } catch (err) {
    // Created by a request at the same time: run again, this one updates it (not possible in a caller's transaction).
    if (retried || db.isTransaction || !(err instanceof AppError) || err.code !== 'conflict') throw err;
    return upsertCommercialCode(db, ctx, list, code, body, true);
  }
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export async function deleteCommercialCode(
  db: Db,
  ctx: RequestContext,
  list: CommercialList,
  code: string,
  options: { moveTo?: string },
): Promise<void> {
  assertCan(ctx, 'settings.write');
  const label = COMMERCIAL_LABELS[list].one;
  await db.transaction().execute(async (tx) => {
    // Locked, so no account is given the code while it goes.
    const locked = await tx
      .selectFrom('commercial_codes')
      .select('code')
      .where('scope_id', '=', ctx.scopeId)
      .where('list', '=', list)
      .where('code', 'in', [code, ...(options.moveTo ? [options.moveTo] : [])])
      .forUpdate()
      .execute();
    if (!locked.some((r) => r.code === code)) throw notFound(`The ${label} “${code}”`);
    const existing = await findCode(tx, ctx, list, code);
    const column = COMMERCIAL_COLUMNS[list];
    let moved = 0;
    if (options.moveTo !== undefined) {
      const target = options.moveTo;
      if (target === code)
        throw unprocessable(`Choose another ${label} to move the accounts to`, [
          { path: 'moveTo', message: `The ${label} being deleted` },
        ]);
      const [to] = await selectCodes(tx, ctx.scopeId, list, target);
      if (!to)
        throw unprocessable(`Unknown ${label} “${target}”`, [
          { path: 'moveTo', message: `Unknown ${label} “${target}”` },
        ]);
      if (!to.active)
        throw unprocessable(`The ${label} “${target}” is inactive`, [
          { path: 'moveTo', message: `The ${label} “${target}” is inactive` },
        ]);
      const field = COMMERCIAL_FIELDS[list];
      // One statement moves the accounts and writes an audit entry for each of them.
      const { rows } = await sql<{ n: number }>`
        with moved as (
          update accounts set ${sql.ref(column)} = ${target}, updated_at = now()
          where scope_id = ${ctx.scopeId} and ${sql.ref(column)} = ${code}
          returning id
        ), audited as (
          insert into audit_log (actor_type, actor_id, actor_label, source, action, entity_type, entity_id,
            before, after, ip, request_id)
          select ${ctx.actor.type}::text, ${ctx.actor.id}::text, ${ctx.actor.label}::text, ${ctx.source}::text, 'account.updated',
            'account', moved.id::text, ${JSON.stringify({ [field]: code })}::jsonb,
            ${JSON.stringify({ [field]: target })}::jsonb, ${ctx.ip}::text, ${ctx.requestId}::text
          from moved
          returning 1
        )
        select count(*)::int as n from audited`.execute(tx);
      moved = rows[0]?.n ?? 0;
    } else if (existing.accountCount > 0) {
      throw conflict(
        `${plural(existing.accountCount, 'account')} ${existing.accountCount === 1 ? 'has' : 'have'} the ${label} “${code}”; move ${existing.accountCount === 1 ? 'it' : 'them'} to another ${label} first`,
        [
          {
            path: 'moveTo',
            message: `Choose a ${label} to move the ${plural(existing.accountCount, 'account')} to`,
          },
        ],
      );
    }
    await tx
      .deleteFrom('commercial_codes')
      .where('scope_id', '=', ctx.scopeId)
      .where('list', '=', list)
      .where('code', '=', code)
      .execute();
    await replaceDefault(tx, ctx, list, code, options.moveTo ?? null);
    await recordAudit(tx, ctx, {
      action: `${ENTITY[list]}.deleted`,
      entityType: ENTITY[list],
      entityId: code,
      before: { code: existing.code, name: existing.name, active: existing.active },
      after: options.moveTo ? { accountsMovedTo: options.moveTo, accounts: moved } : null,
    });
  });
}

/** A deleted code leaves the sign-up defaults: new accounts get the code its accounts moved to, or none. */
async function replaceDefault(
  tx: Executor,
  ctx: RequestContext,
  list: CommercialList,
  deleted: string,
  movedTo: string | null,
): Promise<void> {
  const field = COMMERCIAL_FIELDS[list];
  const before = await registrationSettings(tx, ctx.scopeId);
  if (before.newAccount.defaults[field] !== deleted) return;
  const after: RegistrationSettings = {
    ...before,
    newAccount: { ...before.newAccount, defaults: { ...before.newAccount.defaults, [field]: movedTo } },
  };
  await writeSetting(tx, ctx.scopeId, 'registration', after);
  await recordAudit(tx, ctx, {
    action: 'settings.updated',
    entityType: 'settings',
    entityId: 'registration',
    before: { [`newAccount.defaults.${field}`]: deleted },
    after: { [`newAccount.defaults.${field}`]: movedTo },
  });
}
