import { sql } from 'kysely';
import type { Address, AddressType } from '../../../contracts/addresses.ts';
import type { Executor } from '../../db/client.ts';
import type { AddressesTable } from '../../db/schema.ts';

/** Whose address book: an account's or a contact's. */
export type AddressOwner = { kind: 'account' | 'contact'; id: string };

const ownerColumn = (owner: AddressOwner) => (owner.kind === 'account' ? 'account_id' : 'contact_id');

export type AddressValues = Pick<
  AddressesTable,
  'type' | 'name' | 'line1' | 'line2' | 'city' | 'postal_code' | 'region' | 'country'
>;

export function toAddress(r: {
  id: string;
  type: AddressType;
  is_default: boolean;
  name: string | null;
  line1: string;
  line2: string | null;
  city: string;
  postal_code: string;
  region: string | null;
  country: string;
  created_at: Date;
  updated_at: Date;
}): Address {
  return {
    id: r.id,
    type: r.type,
    isDefault: r.is_default,
    name: r.name,
    line1: r.line1,
    line2: r.line2,
    city: r.city,
    postalCode: r.postal_code,
    region: r.region,
    country: r.country,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** The fields an audit entry records for an address. */
export const auditedAddress = (a: Address) => ({
  id: a.id,
  type: a.type,
  isDefault: a.isDefault,
  name: a.name,
  line1: a.line1,
  line2: a.line2,
  city: a.city,
  postalCode: a.postalCode,
  region: a.region,
  country: a.country,
});

/** The book in display order: billing first, the default of each type first, then oldest first. */
export async function listOwnerAddresses(db: Executor, owner: AddressOwner): Promise<Address[]> {
  const rows = await db
    .selectFrom('addresses')
    .selectAll()
    .where(ownerColumn(owner), '=', owner.id)
    .orderBy('type')
    .orderBy('is_default', 'desc')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toAddress);
}

export async function findOwnerAddress(
  db: Executor,
  owner: AddressOwner,
  addressId: string,
): Promise<Address | undefined> {
  const row = await db
    .selectFrom('addresses')
    .selectAll()
    .where('id', '=', addressId)
    .where(ownerColumn(owner), '=', owner.id)
    .executeTakeFirst();
  return row && toAddress(row);
}

/** Clears the default of a type (so another can take it: the partial unique index allows one). */
export async function clearDefault(
  db: Executor,
  owner: AddressOwner,
  type: AddressType,
): Promise<string | null> {
  const row = await db
    .updateTable('addresses')
    .set({ is_default: false })
    .where(ownerColumn(owner), '=', owner.id)
    .where('type', '=', type)
    .where('is_default', '=', true)
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

export async function hasDefault(db: Executor, owner: AddressOwner, type: AddressType): Promise<boolean> {
  const row = await db
    .selectFrom('addresses')
    .select('id')
    .where(ownerColumn(owner), '=', owner.id)
    .where('type', '=', type)
    .where('is_default', '=', true)
    .executeTakeFirst();
  return !!row;
}

export async function insertAddress(
  db: Executor,
  owner: AddressOwner,
  values: AddressValues,
  isDefault: boolean,
): Promise<Address> {
  const row = await db
    .insertInto('addresses')
    .values({
      account_id: owner.kind === 'account' ? owner.id : null,
      contact_id: owner.kind === 'contact' ? owner.id : null,
      ...values,
      is_default: isDefault,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAddress(row);
}

/**
 * Changes an address; undefined when it would move an account's last billing address to another type
 * while a billing address is mandatory (checked in the same statement, as for a delete).
 */
export async function updateAddressRow(
  db: Executor,
  owner: AddressOwner,
  scopeId: string,
  addressId: string,
  values: AddressValues & { is_default: boolean },
): Promise<Address | undefined> {
  const row = await db
    .updateTable('addresses')
    .set({ ...values, updated_at: new Date() })
    .where('id', '=', addressId)
    .$if(values.type !== 'billing', (q) => q.where(keepsRequiredBilling(owner, scopeId)))
    .returningAll()
    .executeTakeFirst();
  return row && toAddress(row);
}

/**
 * False for an account's last billing address while Settings → Customer data makes the billing address
 * mandatory. Part of the write's own WHERE (no extra statement, none when the rule is off); the caller
 * holds the owner's row lock, so two writes to one book cannot each leave the other as the last one.
 */
function keepsRequiredBilling(owner: AddressOwner, scopeId: string) {
  if (owner.kind !== 'account') return sql<boolean>`true`;
  return sql<boolean>`NOT (
    addresses.type = 'billing'
    AND EXISTS (SELECT 1 FROM settings s WHERE s.scope_id = ${scopeId} AND s.key = 'requiredFields'
                AND s.value -> 'account' @> '["billingAddress"]'::jsonb)
    AND NOT EXISTS (SELECT 1 FROM addresses other WHERE other.account_id = ${owner.id}
                    AND other.type = 'billing' AND other.id <> addresses.id))`;
}

/** Deletes an address; false when it is the last billing address a mandatory billing address keeps. */
export async function deleteAddressRow(
  db: Executor,
  owner: AddressOwner,
  scopeId: string,
  addressId: string,
): Promise<boolean> {
  const row = await db
    .deleteFrom('addresses')
    .where('id', '=', addressId)
    .where(keepsRequiredBilling(owner, scopeId))
    .returning('id')
    .executeTakeFirst();
  return !!row;
}

/** Makes the oldest remaining address of the type the default; its id, or null when none is left. */
export async function promoteOldest(
  db: Executor,
  owner: AddressOwner,
  type: AddressType,
): Promise<string | null> {
  const column = sql.ref(ownerColumn(owner));
  const { rows } = await sql<{ id: string }>`
    UPDATE addresses SET is_default = true, updated_at = now()
    WHERE id = (SELECT id FROM addresses WHERE ${column} = ${owner.id} AND type = ${type}
                ORDER BY created_at, id LIMIT 1)
    RETURNING id`.execute(db);
  return rows[0]?.id ?? null;
}
