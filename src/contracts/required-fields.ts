import { z } from 'zod';

/** Built-in fields of an account the seller may make mandatory (Settings → Customer data). */
export const ACCOUNT_REQUIRABLE_FIELDS = [
  'code',
  'billingAddress',
  'paymentTerms',
  'priceGroup',
  'salesRepCode',
] as const;
/** Built-in fields of a contact the seller may make mandatory; the language always has a value. */
export const CONTACT_REQUIRABLE_FIELDS = ['phone', 'workPhone'] as const;

export type AccountRequirableField = (typeof ACCOUNT_REQUIRABLE_FIELDS)[number];
export type ContactRequirableField = (typeof CONTACT_REQUIRABLE_FIELDS)[number];

/** The labels of the fields, as forms show them and as the "… is required" messages name them. */
export const REQUIRABLE_FIELD_LABELS: Record<AccountRequirableField | ContactRequirableField, string> = {
  code: 'Code',
  billingAddress: 'Billing address',
  paymentTerms: 'Payment terms',
  priceGroup: 'Price group',
  salesRepCode: 'Sales rep',
  phone: 'Phone',
  workPhone: 'Work phone',
};

/** The message every writer (API, bulk add, imports, sign-up) and the portal give for a missing value. */
export const requiredMessage = (field: AccountRequirableField | ContactRequirableField) =>
  `${REQUIRABLE_FIELD_LABELS[field]} is required`;

const unique = <T>(l: T[]) => [...new Set(l)];

export const RequiredFields = z.object({
  account: z
    .array(z.enum(ACCOUNT_REQUIRABLE_FIELDS))
    .max(ACCOUNT_REQUIRABLE_FIELDS.length)
    .transform(unique)
    .describe('Built-in account fields every new account must have and no change may clear'),
  contact: z
    .array(z.enum(CONTACT_REQUIRABLE_FIELDS))
    .max(CONTACT_REQUIRABLE_FIELDS.length)
    .transform(unique)
    .describe('Built-in contact fields every new contact must have and no change may clear'),
});
export type RequiredFields = z.infer<typeof RequiredFields>;

/** Stored form, re-read (plain arrays: a transform cannot encode a response). */
export const RequiredFieldsView = z.object({
  account: z.array(z.enum(ACCOUNT_REQUIRABLE_FIELDS)),
  contact: z.array(z.enum(CONTACT_REQUIRABLE_FIELDS)),
});

export const DEFAULT_REQUIRED_FIELDS: RequiredFields = { account: [], contact: [] };

/** What forms need to mark and check fields, without the permission to read settings. */
export const FieldRules = z.object({
  requiredFields: RequiredFieldsView,
  languages: z.array(z.string()).describe('Enabled languages; the first is the default of new contacts'),
});
export type FieldRules = z.infer<typeof FieldRules>;
