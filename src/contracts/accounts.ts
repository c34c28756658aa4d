import { z } from 'zod';
import { AddressFields } from './addresses.ts';
import { AttributeValues, AttributeValuesInput } from './attributes.ts';
import { Key, ListQuery, optionalText, text, Uuid } from './common.ts';

export const AccountKind = z.enum(['business', 'personal']);
export const AccountStatus = z.enum(['pending', 'active', 'disabled']);

export const ErpSyncState = z.enum(['not-synced', 'queued', 'synced', 'failed']);
export type ErpSyncState = z.infer<typeof ErpSyncState>;

/** Where the account stands with the ERP. */
export const ErpSync = z.object({
  state: ErpSyncState.describe(
    'not-synced: never pushed; queued: a push (account.sync-requested) waits for the ERP; synced: the ERP knows it; failed: the last push failed',
  ),
  erpNumber: z.string().nullable().describe('The ERP’s customer number, once it is known'),
  syncedAt: z.string().nullable(),
  lastError: z.string().nullable(),
  attempts: z.number().int().describe('How many pushes were requested'),
});
export type ErpSync = z.infer<typeof ErpSync>;

export const Account = z.object({
  id: Uuid,
  kind: AccountKind,
  name: z.string(),
  code: z.string().nullable(),
  number: z.string(),
  erpNumber: z
    .string()
    .nullable()
    .describe('The ERP’s customer number (set by the ERP API), apart from `number`'),
  erpSync: ErpSync,
  status: AccountStatus,
  contactCount: z.number().int(),
  assignedEmployeeIds: z.array(Uuid),
  customerGroups: z.array(z.string()).describe('Keys of the customer groups the account is in'),
  paymentTerms: z.string().nullable().describe('A code of /api/payment-terms'),
  priceGroup: z.string().nullable().describe('A code of /api/price-groups'),
  salesRepCode: z.string().nullable().describe('A code of /api/sales-reps'),
  attributes: AttributeValues,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Account = z.infer<typeof Account>;

/** Codes from the seller's lists (an unknown or inactive one is 422 naming the field); null clears. */
const CommercialTermsFields = {
  paymentTerms: optionalText(64).describe('A code of /api/payment-terms (active), or null'),
  priceGroup: optionalText(64).describe('A code of /api/price-groups (active), or null'),
  salesRepCode: optionalText(64).describe('A code of /api/sales-reps (active), or null'),
  customerGroups: z
    .array(Key)
    .max(50)
    .optional()
    .describe('Keys of the customer groups the account is in (all of them: replaces the membership)'),
};

export const AccountCreateBody = z.object({
  kind: AccountKind,
  name: text(200),
  code: optionalText(64).describe('The seller’s short code for the company'),
  number: optionalText(64).describe('ERP account number; generated (prefix + integer) when absent'),
  status: AccountStatus.optional(),
  billingAddress: AddressFields.optional().describe(
    'Becomes the default billing address (errors name `billingAddress.country` / `billingAddress.postalCode`)',
  ),
  ...CommercialTermsFields,
  attributes: AttributeValuesInput.optional(),
});
export type AccountCreateBody = z.infer<typeof AccountCreateBody>;

export const AccountUpdateBody = z.object({
  kind: AccountKind.optional(),
  name: text(200).optional(),
  code: optionalText(64),
  number: text(64).optional(),
  status: AccountStatus.optional(),
  ...CommercialTermsFields,
  attributes: AttributeValuesInput.optional(),
});
export type AccountUpdateBody = z.infer<typeof AccountUpdateBody>;

export const AccountListQuery = ListQuery.extend({
  kind: AccountKind.optional(),
  status: AccountStatus.optional(),
  customerGroup: Key.optional().describe(
    'Only accounts in the customer group with this key; an unknown key is 422',
  ),
  erpNumber: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .optional()
    .describe('The account with this ERP number (any case)'),
  erpSync: ErpSyncState.optional().describe('Only accounts in this ERP sync state'),
})
  .loose()
  .describe(
    'Also `attr.<key>=<value>`: a filterable custom attribute (422 for an unknown or unfilterable key)',
  );
export type AccountListQuery = z.infer<typeof AccountListQuery>;

export const AccountAssigneesBody = z.object({ employeeIds: z.array(Uuid).max(1000) });
