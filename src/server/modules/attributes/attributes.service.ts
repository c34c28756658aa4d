import { sql } from 'kysely';
import type {
  AttributeCreateBody,
  AttributeDefinition,
  AttributeEntity,
  AttributeListQuery,
  AttributeOption,
  AttributeUpdateBody,
  SignUpAttribute,
} from '../../../contracts/attributes.ts';
import type { Db, Executor } from '../../db/client.ts';
import type { CustomAttributesTable } from '../../db/schema.ts';
import { assertCan, can, type RequestContext } from '../../http/context.ts';
import {
  AppError,
  conflict,
  forbidden,
  notFound,
  uniqueViolation,
  unprocessable,
  type FieldError,
} from '../../lib/errors.ts';
import { diff, recordAudit } from '../audit/audit.service.ts';
import { fitValue } from './validate.ts';

const ENTITY = 'attribute';
type Row = {
  [K in keyof CustomAttributesTable]: K extends 'options' | 'labels'
    ? unknown
    : CustomAttributesTable[K] extends { __select__: infer S }
      ? S
      : CustomAttributesTable[K];
};

function toDefinition(r: Row): AttributeDefinition {
  return {
    id: r.id,
    entity: r.entity,
    key: r.key,
    type: r.type,
    label: r.label,
    labels: (r.labels ?? {}) as Record<string, string>,
    helpText: r.help_text,
    options: (r.options ?? []) as AttributeOption[],
    mandatory: r.mandatory,
    showInList: r.show_in_list,
    filterable: r.filterable,
    showAtSignUp: r.show_at_sign_up,
    position: r.position,
    archived: r.archived_at !== null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const audited = (d: AttributeDefinition) => {
  const { id: _id, createdAt: _c, updatedAt: _u, ...rest } = d;
  return rest;
};

function assertCanRead(ctx: RequestContext) {
  if (!can(ctx, 'accounts.read') && !can(ctx, 'contacts.read') && !can(ctx, 'settings.read'))
    throw forbidden('You need the "accounts.read", "contacts.read" or "settings.read" permission', {
      permission: 'accounts.read',
    });
}

async function findDefinition(
  db: Executor,
  scopeId: string,
  id: string,
): Promise<AttributeDefinition | null> {
  const row = await db
    .selectFrom('custom_attributes')
    .selectAll()
    .where('scope_id', '=', scopeId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toDefinition(row) : null;
}

export async function listAttributes(
  db: Executor,
  ctx: RequestContext,
  query: AttributeListQuery,
): Promise<{ items: AttributeDefinition[] }> {
  assertCanRead(ctx);
  let q = db
    .selectFrom('custom_attributes')
    .selectAll()
    .where('scope_id', '=', ctx.scopeId)
    .where('archived_at', query.archived ? 'is not' : 'is', null)
    .orderBy('entity')
    .orderBy('position')
    .orderBy('key');
  if (query.entity) q = q.where('entity', '=', query.entity);
  return { items: (await q.execute()).map((r) => toDefinition(r as unknown as Row)) };
}

export async function getAttribute(
  db: Executor,
  ctx: RequestContext,
  id: string,
): Promise<AttributeDefinition> {
  assertCanRead(ctx);
  const def = await findDefinition(db, ctx.scopeId, id);
  if (!def) throw notFound('The attribute');
  return def;
}

const CHOICE_TYPES = ['select', 'multiselect'];

function checkShape(d: { type: string; options: AttributeOption[] }): FieldError[] {
  const errors: FieldError[] = [];
  if (CHOICE_TYPES.includes(d.type) && !d.options.length)
    errors.push({ path: 'options', message: 'A select or multiselect attribute needs at least one option' });
  const seen = new Set<string>();
  d.options.forEach((o, i) => {
    if (seen.has(o.value))
      errors.push({ path: `options.${i}.value`, message: `The option value "${o.value}" appears twice` });
    seen.add(o.value);
  });
  return errors;
}

/** Creates a definition; re-creating an archived key restores it (its stored values come back). */
export async function createAttribute(
  db: Db,
  ctx: RequestContext,
  body: AttributeCreateBody,
): Promise<AttributeDefinition> {
  assertCan(ctx, 'settings.write');
  const options = CHOICE_TYPES.includes(body.type) ? (body.options ?? []) : [];
  const shape = checkShape({ type: body.type, options });
  if (shape.length) throw unprocessable(shape[0]!.message, shape);
  try {
    return await db.transaction().execute(async (tx) => {
      const archived = await tx
        .selectFrom('custom_attributes')
        .select(['id', 'archived_at'])
        .where('scope_id', '=', ctx.scopeId)
        .where('entity', '=', body.entity)
        .where('key', '=', body.key)
        .executeTakeFirst();
      if (archived && archived.archived_at === null)
        throw conflict('An attribute with this key already exists', [
          { path: 'key', message: 'Already used by another attribute of this entity' },
        ]);
      const values = {
        label: body.label,
        type: body.type,
        labels: JSON.stringify(body.labels ?? {}),
        help_text: body.helpText ?? null,
        options: JSON.stringify(options),
        mandatory: body.mandatory ?? false,
        show_in_list: body.showInList ?? false,
        filterable: body.filterable ?? false,
        show_at_sign_up: body.showAtSignUp ?? false,
        position: body.position ?? 0,
      };
      let id: string;
      if (archived) {
        // Restoring: the stored values must fit the definition it comes back with.
        await assertStoredValuesFit(tx, ctx.scopeId, body.entity, body.key, {
          label: body.label,
          type: body.type,
          options,
        });
        id = archived.id;
        await tx
          .updateTable('custom_attributes')
          .set({ ...values, archived_at: null, updated_at: new Date() })
          .where('id', '=', id)
          .execute();
      } else {
        id = (
          await tx
            .insertInto('custom_attributes')
            .values({
              ...values,
              scope_id: ctx.scopeId,
              entity: body.entity,
              key: body.key,
              archived_at: null,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
      }
      const def = (await findDefinition(tx, ctx.scopeId, id))!;
      await recordAudit(tx, ctx, {
        action: archived ? `${ENTITY}.restored` : `${ENTITY}.created`,
        entityType: ENTITY,
        entityId: id,
        after: audited(def),
      });
      return def;
    });
  } catch (err) {
    if (uniqueViolation(err) !== undefined)
      throw conflict('An attribute with this key already exists', [
        { path: 'key', message: 'Already used by another attribute of this entity' },
      ]);
    throw err;
  }
}

/** Refuses (409) a definition that stored values don't fit, with the count of records concerned. */
async function assertStoredValuesFit(
  db: Executor,
  scopeId: string,
  entity: AttributeEntity,
  key: string,
  def: { label: string; type: AttributeDefinition['type']; options: AttributeOption[] },
) {
  const table = entity === 'account' ? 'accounts' : 'contacts';
  const rows = await sql<{
    value: unknown;
  }>`select custom -> ${key} as value from ${sql.table(table)} where scope_id = ${scopeId} and custom ? ${key}`.execute(
    db,
  );
  const misfits = rows.rows.filter((r) => 'error' in fitValue(def, r.value)).length;
  if (misfits) {
    const what = entity === 'account' ? 'account' : 'contact';
    const message = `${misfits} ${what}${misfits === 1 ? ' has a value' : 's have values'} of ${def.label} that would not fit: change or clear ${misfits === 1 ? 'it' : 'them'} first`;
    throw new AppError('conflict', message, [{ path: 'type', message, count: misfits }]);
  }
}

export async function updateAttribute(
  db: Db,
  ctx: RequestContext,
  id: string,
  body: AttributeUpdateBody,
): Promise<AttributeDefinition> {
  assertCan(ctx, 'settings.write');
  return db.transaction().execute(async (tx) => {
    const before = await findDefinition(tx, ctx.scopeId, id);
    if (!before) throw notFound('The attribute');
    const type = body.type ?? before.type;
    const options = CHOICE_TYPES.includes(type) ? (body.options ?? before.options) : [];
    const shape = checkShape({ type, options });
    if (shape.length) throw unprocessable(shape[0]!.message, shape);
    const label = body.label ?? before.label;
    const removedOption = before.options.some((o) => !options.some((n) => n.value === o.value));
    if (type !== before.type || removedOption)
      await assertStoredValuesFit(tx, ctx.scopeId, before.entity, before.key, { label, type, options });
    await tx
      .updateTable('custom_attributes')
      .set({
        type,
        label,
        options: JSON.stringify(options),
        ...(body.labels !== undefined && { labels: JSON.stringify(body.labels) }),
        ...(body.helpText !== undefined && { help_text: body.helpText ?? null }),
        ...(body.mandatory !== undefined && { mandatory: body.mandatory }),
        ...(body.showInList !== undefined && { show_in_list: body.showInList }),
        ...(body.filterable !== undefined && { filterable: body.filterable }),
        ...(body.showAtSignUp !== undefined && { show_at_sign_up: body.showAtSignUp }),
        ...(body.position !== undefined && { position: body.position }),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
    const after = (await findDefinition(tx, ctx.scopeId, id))!;
    const changes = diff(audited(before), audited(after));
    if (changes)
      await recordAudit(tx, ctx, {
        action: `${ENTITY}.updated`,
        entityType: ENTITY,
        entityId: id,
        ...changes,
      });
    return after;
  });
}

/** Archives a definition: stored values stay, reads and forms no longer show it. */
export async function archiveAttribute(db: Db, ctx: RequestContext, id: string): Promise<void> {
  assertCan(ctx, 'settings.write');
  await db.transaction().execute(async (tx) => {
    const before = await findDefinition(tx, ctx.scopeId, id);
    if (!before) throw notFound('The attribute');
    if (before.archived) return;
    await tx
      .updateTable('custom_attributes')
      .set({ archived_at: new Date(), updated_at: new Date() })
      .where('id', '=', id)
      .execute();
    await recordAudit(tx, ctx, {
      action: `${ENTITY}.archived`,
      entityType: ENTITY,
      entityId: id,
      before: audited(before),
    });
  });
}

/** The attributes the storefront sign-up asks for, labelled in the visitor's language. */
export async function signUpAttributes(
  db: Executor,
  scopeId: string,
  language: string | null,
): Promise<SignUpAttribute[]> {
  const rows = await db
    .selectFrom('custom_attributes')
    .selectAll()
    .where('scope_id', '=', scopeId)
    .where('archived_at', 'is', null)
    .where('show_at_sign_up', '=', true)
    .orderBy('entity')
    .orderBy('position')
    .orderBy('key')
    .execute();
  return rows.map((r) => {
    const d = toDefinition(r);
    const base = language?.split('-')[0];
    const label = (language && d.labels[language]) || (base && d.labels[base]) || d.label;
    return {
      entity: d.entity,
      key: d.key,
      label,
      type: d.type,
      options: d.options,
      mandatory: d.mandatory,
      helpText: d.helpText,
    };
  });
}
