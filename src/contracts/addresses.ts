import { z } from 'zod';
import { optionalText, text, Uuid } from './common.ts';

/** Address books of accounts and contacts (R8, seed 003): billing and shipping, one default of each. */
export const AddressType = z.enum(['billing', 'shipping']);
export type AddressType = z.infer<typeof AddressType>;

/**
 * The lines of an address. `country` and `postalCode` are checked by the server (422 naming the field):
 * the country as an ISO 3166-1 alpha-2 code in any case ("gb" is stored as "GB"), the postal code
 * against the country's format where one is known, else any non-empty value.
 */
export const AddressFields = z.object({
  name: optionalText(200).describe('Who or which site it is for, e.g. "Warehouse"'),
  line1: text(200),
  line2: optionalText(200),
  city: text(100),
  postalCode: text(20).describe('Checked against the country’s format where one is known'),
  region: optionalText(100).describe('State, province or county'),
  country: text(64).describe('ISO 3166-1 alpha-2 code, e.g. "GB", "US", "DE"'),
});
export type AddressFields = z.infer<typeof AddressFields>;

export const AddressCreateBody = AddressFields.extend({
  type: AddressType,
  isDefault: z
    .boolean()
    .optional()
    .describe('Make it the default of its type; the first address of a type is the default anyway'),
});
export type AddressCreateBody = z.infer<typeof AddressCreateBody>;

export const AddressUpdateBody = AddressFields.partial().extend({
  type: AddressType.optional(),
  isDefault: z
    .literal(true)
    .optional()
    .describe('true makes it the default of its type (the former default stays, as a plain address)'),
});
export type AddressUpdateBody = z.infer<typeof AddressUpdateBody>;

export const Address = z.object({
  id: Uuid,
  type: AddressType,
  isDefault: z.boolean(),
  name: z.string().nullable(),
  line1: z.string(),
  line2: z.string().nullable(),
  city: z.string(),
  postalCode: z.string(),
  region: z.string().nullable(),
  country: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Address = z.infer<typeof Address>;

export const AddressList = z.object({ items: z.array(Address) });
export type AddressList = z.infer<typeof AddressList>;

export const AddressParams = z.object({ id: Uuid, addressId: Uuid });
