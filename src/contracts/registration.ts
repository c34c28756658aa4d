import { z } from 'zod';
import { SignUpAttribute, SignUpAttributeValues } from './attributes.ts';
import { Email, Key, optionalText, text, Uuid } from './common.ts';
import { Language } from './contacts.ts';
import { CONTACT_REQUIRABLE_FIELDS } from './required-fields.ts';

/** Settings → Customer data: self-service sign-up (seed 004, R7, R19–R25). */
export const RegistrationSettings = z.object({
  newAccount: z.object({
    enabled: z.boolean().describe('Allow visitors to create a new account'),
    linkText: text(100).describe('The link on the storefront sign-in page'),
    access: z
      .enum(['immediate', 'approval'])
      .describe('Signed in at once, or pending until an employee approves'),
    defaults: z.object({
      paymentTerms: z.string().trim().max(64).nullable(),
      customerGroups: z.array(Key).max(50),
      priceGroup: z.string().trim().max(64).nullable(),
      salesRepCode: z.string().trim().max(64).nullable(),
    }),
  }),
  newContact: z.object({
    enabled: z.boolean().describe('Allow visitors to create a new user for an existing account'),
    linkText: text(100),
  }),
  allowPersonalAccounts: z.boolean().describe('No: a business name is required at sign-up (R7)'),
});
export type RegistrationSettings = z.infer<typeof RegistrationSettings>;

export const DEFAULT_REGISTRATION: RegistrationSettings = {
  newAccount: {
    enabled: false,
    linkText: 'Create an account',
    access: 'approval',
    defaults: { paymentTerms: null, customerGroups: [], priceGroup: null, salesRepCode: null },
  },
  newContact: { enabled: false, linkText: 'Create a login for your company’s existing account' },
  allowPersonalAccounts: true,
};

export const ERP_SYNC_POLICIES = ['first-order', 'on-enable', 'manual'] as const;
export const ErpSyncPolicy = z.enum(ERP_SYNC_POLICIES);
export type ErpSyncPolicy = z.infer<typeof ErpSyncPolicy>;

export const AccountNumberPrefix = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(10, 'Use at most 10 characters')
  .regex(/^[A-Za-z0-9-]+$/, 'Use letters, digits or dash');

/** What the storefront sign-in page needs to know, without signing in. */
export const StoreRegistrationInfo = z.object({
  newAccount: z.object({ enabled: z.boolean(), linkText: z.string() }),
  newContact: z.object({ enabled: z.boolean(), linkText: z.string() }),
  allowPersonalAccounts: z.boolean(),
  requiredFields: z
    .array(z.enum(CONTACT_REQUIRABLE_FIELDS))
    .describe('Built-in contact fields the form must mark and ask for (Settings → Customer data)'),
  languages: z.array(z.string()).describe('The languages a visitor may choose; the first is the default'),
  attributes: z
    .array(SignUpAttribute)
    .describe(
      'Custom attributes the sign-up form asks for (showAtSignUp), labelled in the visitor’s language',
    ),
});

export const BillingAddress = z.object({
  line1: text(200),
  line2: optionalText(200),
  city: text(100),
  postalCode: text(20),
  region: optionalText(100),
  country: text(64),
});
export type BillingAddress = z.infer<typeof BillingAddress>;
/** A stored billing address in a response (plain strings: transforms cannot encode a response). */
export const BillingAddressView = z.object({
  line1: z.string(),
  line2: z.string().nullable(),
  city: z.string(),
  postalCode: z.string(),
  region: z.string().nullable(),
  country: z.string(),
});
export type BillingAddressView = z.infer<typeof BillingAddressView>;

export const StoreRegisterBody = z.object({
  kind: z.enum(['business', 'personal']),
  companyName: optionalText(200),
  firstName: text(100),
  lastName: text(100),
  email: Email,
  phone: optionalText(40),
  workPhone: optionalText(40).describe('Asked for when Settings make it mandatory'),
  billingAddress: BillingAddress,
  password: z.string().min(10, 'Use at least 10 characters').max(200),
  language: Language.optional().describe(
    'One of the enabled languages (else 422); when absent the browser’s Accept-Language if enabled, else the default',
  ),
  website: z.string().max(500).optional().describe('Leave empty: a field people don’t see (bots fill it in)'),
  attributes: SignUpAttributeValues.optional(),
});
export type StoreRegisterBody = z.infer<typeof StoreRegisterBody>;

export const StoreRegisterResult = z.object({
  outcome: z.enum(['active', 'pending']),
  message: z.string(),
});

export const JoinVerifyBody = z.object({
  accountNumber: text(64),
  postalCode: text(20),
  invoiceNumber: text(64),
});
export const JoinVerifyResult = z.object({
  token: z.string().describe('Short-lived: send it with POST /api/store/join'),
  expiresAt: z.string(),
  account: z.object({ name: z.string(), number: z.string(), billingAddress: BillingAddressView }),
});
export const JoinBody = z.object({
  token: z.string().min(10).max(200),
  firstName: text(100),
  lastName: text(100),
  email: Email,
  phone: optionalText(40).describe('Asked for when Settings make it mandatory'),
  workPhone: optionalText(40).describe('Asked for when Settings make it mandatory'),
  password: z.string().min(10, 'Use at least 10 characters').max(200),
  language: Language.optional().describe(
    'One of the enabled languages (else 422); when absent the browser’s Accept-Language if enabled, else the default',
  ),
  website: z.string().max(500).optional(),
});

export const InvoiceBody = z
  .object({
    number: text(64),
    accountId: Uuid.optional(),
    accountNumber: text(64).optional(),
    date: z.iso.date({ message: 'Use a date such as 2026-11-23' }),
    // numeric(14, 2): twelve digits before the decimal point.
    amount: z.number().finite().min(-999_999_999_999.99).max(999_999_999_999.99),
    currency: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{3}$/, 'Use a three-letter currency code such as USD')
      .transform((c) => c.toUpperCase()),
  })
  .refine((b) => Boolean(b.accountId) !== Boolean(b.accountNumber), {
    message: 'Give accountId or accountNumber (one of them)',
    path: ['accountId'],
  });
export type InvoiceBody = z.infer<typeof InvoiceBody>;

export const Invoice = z.object({
  id: Uuid,
  number: z.string(),
  accountId: Uuid,
  date: z.string(),
  amount: z.number(),
  currency: z.string(),
  createdAt: z.string(),
});
export type Invoice = z.infer<typeof Invoice>;

export const SuspectedDuplicate = z.object({
  accountId: Uuid,
  name: z.string(),
  number: z.string(),
  reason: z.string().describe('e.g. "Same email domain (acme.com)" or "Same name"'),
});

export const Approval = z.object({
  account: z.object({
    id: Uuid,
    kind: z.enum(['business', 'personal']),
    name: z.string(),
    number: z.string(),
    createdAt: z.string(),
    billingAddress: BillingAddressView.nullable(),
  }),
  contacts: z.array(
    z.object({
      id: Uuid,
      email: z.string(),
      firstName: z.string(),
      lastName: z.string(),
      phone: z.string().nullable(),
    }),
  ),
  waitingSeconds: z.number().int(),
  suspectedDuplicates: z.array(SuspectedDuplicate),
});
export type Approval = z.infer<typeof Approval>;

export const RejectBody = z.object({ reason: text(1000) });
