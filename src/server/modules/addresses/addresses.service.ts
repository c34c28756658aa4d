import type {
  Address,
  AddressCreateBody,
  AddressFields,
  AddressUpdateBody,
} from '../../../contracts/addresses.ts';
import type { Permission } from '../../../contracts/permissions.ts';
import { requiredMessage } from '../../../contracts/required-fields.ts';
import type { Db, Executor } from '../../db/client.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { notFound, unprocessable } from '../../lib/errors.ts';
import { accountVisibleTo } from '../accounts/accounts.repository.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { contactVisibleTo } from '../contacts/contacts.repository.ts';
import { recordUpdatedEvents } from '../events/index.ts';
import { checkAddress } from './address-check.ts';
import {
  auditedAddress,
  clearDefault,
  deleteAddressRow,
  findOwnerAddress,
  hasDefault,
  insertAddress,
  listOwnerAddresses,
  promoteOldest,
  updateAddressRow,
  type AddressOwner,
  type AddressValues,
} from './addresses.repository.ts';

export type { AddressOwner } from './addresses.repository.ts';

/** An address book is read and written with the permissions of its owner. */
const permissionFor = (owner: AddressOwner, write: boolean): Permission =>
  `${owner.kind === 'account' ? 'accounts' : 'contacts'}.${write ? 'write' : 'read'}` as Permission;

const ownerNotFound = (owner: AddressOwner) =>
  notFound(owner.kind === 'account' ? 'The account' : 'The contact');

/**
 * The owner, if the actor may see it (crmCompany* employees: their assigned accounts and those
 * accounts' contacts; others are 404 like missing ones). A write locks the owner's row, so two writes
 * to one book take turns and the default moves without a unique-index race.
 */
async function assertOwnerVisible(db: Executor, ctx: RequestContext, owner: AddressOwner, lock: boolean) {
  const query =
    owner.kind === 'account'
      ? db
          .selectFrom('accounts')
          .select('id')
          .where('id', '=', owner.id)
          .where('scope_id', '=', ctx.scopeId)
          .where(accountVisibleTo(ctx))
      : db
          .selectFrom('contacts')
          .select('id')
          .where('id', '=', owner.id)
          .where('scope_id', '=', ctx.scopeId)
          .where(contactVisibleTo(ctx));
  const row = await (lock ? query.forNoKeyUpdate() : query).executeTakeFirst();
  if (!row) throw ownerNotFound(owner);
}

/** The 422 for a write that would leave an account without the billing address Settings make mandatory. */
const lastBillingAddress = (instead: string) =>
  unprocessable(
    `${requiredMessage('billingAddress')}: this is the account's last billing address. Add another billing address before you ${instead}.`,
    [{ path: 'billingAddress', message: requiredMessage('billingAddress') }],
  );

type AddressInput = AddressFields & { type: AddressValues['type'] };

const rowValues = (a: AddressInput, country: string): AddressValues => ({
  type: a.type,
  name: a.name ?? null,
  line1: a.line1,
  line2: a.line2 ?? null,
  city: a.city,
  postal_code: a.postalCode,
  region: a.region ?? null,
  country,
});

/** Country and postal code checked, the country stored as its alpha-2 code (422 naming the field). */
function checkedValues(a: AddressInput, prefix = ''): AddressValues {
  const { errors, country } = checkAddress(a, prefix);
  if (errors.length) throw unprocessable(errors[0]!.message, errors);
  return rowValues(a, country);
}

const audit = (
  tx: Executor,
  ctx: RequestContext,
  owner: AddressOwner,
  action: 'created' | 'updated' | 'deleted',
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
) =>
  recordAudit(tx, ctx, {
    action: `${owner.kind}.address.${action}`,
    entityType: owner.kind,
    entityId: owner.id,
    before,
    after,
  });

/** Receivers of account.updated / contact.updated hear of address changes too (not of those made with a create). */
const addressesChanged = (tx: Executor, ctx: RequestContext, owner: AddressOwner) =>
  recordUpdatedEvents(tx, ctx.scopeId, owner.kind, [owner.id], ['addresses']);

export async function listAddresses(db: Db, ctx: RequestContext, owner: AddressOwner): Promise<Address[]> {
  assertCan(ctx, permissionFor(owner, false));
  await assertOwnerVisible(db, ctx, owner, false);
  return listOwnerAddresses(db, owner);
}

/**
 * Adds an address inside the caller's transaction, the owner already checked: it becomes the default
 * of its type when asked to or when the type has no default yet (the former default stays, not default).
 */
export async function addAddress(
  tx: Executor,
  ctx: RequestContext,
  owner: AddressOwner,
  body: AddressCreateBody,
  fieldPrefix = '',
): Promise<Address> {
  const values = checkedValues(body, fieldPrefix);
  const makeDefault = body.isDefault === true || !(await hasDefault(tx, owner, body.type));
  const formerDefault = body.isDefault ? await clearDefault(tx, owner, body.type) : null;
  const address = await insertAddress(tx, owner, values, makeDefault);
  await audit(tx, ctx, owner, 'created', null, {
    ...auditedAddress(address),
    ...(formerDefault && { formerDefaultId: formerDefault }),
  });
  return address;
}

export async function createAddress(
  db: Db,
  ctx: RequestContext,
  owner: AddressOwner,
  body: AddressCreateBody,
): Promise<Address> {
  assertCan(ctx, permissionFor(owner, true));
  return db.transaction().execute(async (tx) => {
    await assertOwnerVisible(tx, ctx, owner, true);
    const address = await addAddress(tx, ctx, owner, body);
    await addressesChanged(tx, ctx, owner);
    return address;
  });
}

/**
 * Changes an address. `isDefault: true` moves the default of its type to it. A default address that
 * changes type leaves its old type to the oldest remaining address of that type, and is the default of
 * its new type only if asked or if that type had none.
 */
export async function updateAddress(
  db: Db,
  ctx: RequestContext,
  owner: AddressOwner,
  addressId: string,
  body: AddressUpdateBody,
): Promise<Address> {
  assertCan(ctx, permissionFor(owner, true));
  return db.transaction().execute(async (tx) => {
    await assertOwnerVisible(tx, ctx, owner, true);
    const before = await findOwnerAddress(tx, owner, addressId);
    if (!before) throw notFound('The address');
    const type = body.type ?? before.type;
    const merged = {
      type,
      name: body.name === undefined ? before.name : body.name,
      line1: body.line1 ?? before.line1,
      line2: body.line2 === undefined ? before.line2 : body.line2,
      city: body.city ?? before.city,
      postalCode: body.postalCode ?? before.postalCode,
      region: body.region === undefined ? before.region : body.region,
      country: body.country ?? before.country,
    };
    // Stored addresses from before the check (imports, sign-ups) are checked only when these change.
    const values =
      body.country !== undefined || body.postalCode !== undefined
        ? checkedValues(merged)
        : rowValues(merged, merged.country);
    const typeChanged = type !== before.type;
    const isDefault =
      body.isDefault === true || (typeChanged ? !(await hasDefault(tx, owner, type)) : before.isDefault);
    const formerDefault = body.isDefault ? await clearDefault(tx, owner, type) : null;
    const after = await updateAddressRow(tx, owner, ctx.scopeId, addressId, {
      ...values,
      is_default: isDefault,
    });
    if (!after) throw lastBillingAddress('change its type');
    const promoted = typeChanged && before.isDefault ? await promoteOldest(tx, owner, before.type) : null;

    const b = auditedAddress(before);
    const a = auditedAddress(after);
    const changed = (Object.keys(a) as (keyof typeof a)[]).filter(
      (k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]),
    );
    if (changed.length)
      await audit(
        tx,
        ctx,
        owner,
        'updated',
        { id: addressId, ...Object.fromEntries(changed.map((k) => [k, b[k]])) },
        {
          id: addressId,
          ...Object.fromEntries(changed.map((k) => [k, a[k]])),
          ...(formerDefault && formerDefault !== addressId && { formerDefaultId: formerDefault }),
          ...(promoted && { promotedDefaultId: promoted }),
        },
      );
    if (changed.length) await addressesChanged(tx, ctx, owner);
    return after;
  });
}

/** Deletes an address; a default one hands its role to the oldest remaining address of its type, if any. */
export async function deleteAddress(
  db: Db,
  ctx: RequestContext,
  owner: AddressOwner,
  addressId: string,
): Promise<void> {
  assertCan(ctx, permissionFor(owner, true));
  await db.transaction().execute(async (tx) => {
    await assertOwnerVisible(tx, ctx, owner, true);
    const before = await findOwnerAddress(tx, owner, addressId);
    if (!before) throw notFound('The address');
    if (!(await deleteAddressRow(tx, owner, ctx.scopeId, addressId))) throw lastBillingAddress('delete it');
    const promoted = before.isDefault ? await promoteOldest(tx, owner, before.type) : null;
    await audit(
      tx,
      ctx,
      owner,
      'deleted',
      auditedAddress(before),
      promoted ? { promotedDefaultId: promoted } : null,
    );
    await addressesChanged(tx, ctx, owner);
  });
}
