import { z } from 'zod';
import { Account, AccountCreateBody } from './accounts.ts';
import { CommercialCode, CommercialCodeCreateBody, CommercialCodeValue } from './commercial-terms.ts';
import { Email, text, Uuid } from './common.ts';
import { ContactCreateBody, ContactCreated } from './contacts.ts';
import { Invoice, InvoiceBody } from './registration.ts';

/** What an idempotent ERP write did: an upsert repeated with the same content is `unchanged`. */
export const ErpWriteStatus = z.enum(['created', 'updated', 'unchanged']);
export type ErpWriteStatus = z.infer<typeof ErpWriteStatus>;

const ErpKey = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(64, 'Use at most 64 characters')
  .regex(/^[^/\\?#]+$/, 'Use no slash, backslash, ? or #');

export const ErpNumberParams = z.object({ erpNumber: ErpKey.describe('The ERP’s customer number') });

export const Order = z.object({
  id: Uuid,
  number: z.string(),
  accountId: Uuid,
  placedAt: z.string(),
  total: z.number(),
  currency: z.string(),
  createdAt: z.string(),
});
export type Order = z.infer<typeof Order>;

export const ErpOrderBody = z
  .object({
    number: ErpKey.describe('The web shop’s order number: the key, a repeat is unchanged'),
    accountNumber: text(64).optional().describe('The web account number'),
    erpNumber: text(64).optional().describe('Or the ERP’s customer number'),
    placedAt: z.iso.datetime({ offset: true, message: 'Use a date-time such as 2026-11-23T10:00:00Z' }),
    // numeric(16, 2): fourteen digits before the decimal point.
    total: z.number().gt(-1e14).lt(1e14),
    currency: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{3}$/, 'Use a three-letter currency code such as USD')
      .transform((c) => c.toUpperCase()),
  })
  .refine((b) => Boolean(b.accountNumber) !== Boolean(b.erpNumber), {
    message: 'Give accountNumber or erpNumber (one of them)',
    path: ['accountNumber'],
  });
export type ErpOrderBody = z.infer<typeof ErpOrderBody>;

export const ErpOrderResult = z.object({ status: ErpWriteStatus, order: Order });
export type ErpOrderResult = z.infer<typeof ErpOrderResult>;

export const OrderListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

export const ErpAccountBody = AccountCreateBody.omit({ number: true, status: true })
  .extend({
    kind: AccountCreateBody.shape.kind.optional().describe('business (default) or personal'),
    webAccountNumber: text(64)
      .optional()
      .describe(
        'Links this ERP number to the existing web account with this number (the ERP created the customer from a push, or by hand)',
      ),
  })
  .describe(
    'Creates the account (its number is the ERP number) or updates it; only the fields sent change. The billing address is used when the account is created.',
  );
export type ErpAccountBody = z.infer<typeof ErpAccountBody>;

export const ErpAccountResult = z.object({ status: ErpWriteStatus, account: Account });
export type ErpAccountResult = z.infer<typeof ErpAccountResult>;

export const ErpContactParams = z.object({
  erpNumber: ErpKey.describe('The ERP’s customer number of the account'),
  email: Email.describe('The contact’s email: the key within the store, in any case'),
});

export const ErpContactBody = ContactCreateBody.pick({
  firstName: true,
  lastName: true,
  phone: true,
  workPhone: true,
  language: true,
  attributes: true,
})
  .extend({
    login: ContactCreateBody.shape.login.describe(
      'Used only when the contact is created; without it the contact gets no login (mode none)',
    ),
  })
  .describe(
    'Creates the contact on the account, or updates the contact with this email (only the fields sent change); ' +
      'a contact of another account gets this account linked too, not moved.',
  );
export type ErpContactBody = z.infer<typeof ErpContactBody>;

export const ErpContactResult = z.object({ status: ErpWriteStatus, contact: ContactCreated });
export type ErpContactResult = z.infer<typeof ErpContactResult>;

export const ErpInvoiceParams = z.object({
  number: ErpKey.describe('The invoice number: the key, in any case'),
});

export const ErpInvoiceBody = z
  .object({
    accountNumber: text(64).optional().describe('The web account number'),
    erpNumber: text(64).optional().describe('Or the ERP’s customer number'),
    date: InvoiceBody.shape.date,
    amount: InvoiceBody.shape.amount,
    currency: InvoiceBody.shape.currency,
  })
  .refine((b) => Boolean(b.accountNumber) !== Boolean(b.erpNumber), {
    message: 'Give accountNumber or erpNumber (one of them)',
    path: ['accountNumber'],
  })
  .describe('What joining an account by proof checks: the account, date, amount and currency of an invoice');
export type ErpInvoiceBody = z.infer<typeof ErpInvoiceBody>;

export const ErpInvoiceResult = z.object({ status: ErpWriteStatus, invoice: Invoice });
export type ErpInvoiceResult = z.infer<typeof ErpInvoiceResult>;

export const ErpCommercialCodeParams = z.object({ code: CommercialCodeValue.describe('The ERP’s code') });

export const ErpCommercialCodeBody = CommercialCodeCreateBody.omit({ code: true }).describe(
  'The name, and whether the code may be given to accounts (default true on creation; unchanged when absent)',
);
export type ErpCommercialCodeBody = z.infer<typeof ErpCommercialCodeBody>;

export const ErpCommercialCodeResult = z.object({ status: ErpWriteStatus, commercialCode: CommercialCode });
export type ErpCommercialCodeResult = z.infer<typeof ErpCommercialCodeResult>;

/** The record types a line of `POST /api/erp/batch` may carry, each the body of its single call. */
export const ErpBatchType = z.enum([
  'account',
  'contact',
  'invoice',
  'order',
  'payment-term',
  'price-group',
  'sales-rep',
]);
export type ErpBatchType = z.infer<typeof ErpBatchType>;

/** What one line of a batch did; `invalid` lines change nothing and name the problem. */
export const ErpBatchResult = z.object({
  line: z
    .number()
    .int()
    .describe('The line number in the request, from 1 (blank lines counted, not answered)'),
  status: z
    .enum(['created', 'updated', 'unchanged', 'invalid', 'stopped'])
    .describe(
      '`stopped` only as the last result of a batch cut at its size limit: `line` is where reading stopped',
    ),
  id: z
    .string()
    .optional()
    .describe('The record’s id (the code for payment terms, price groups and sales reps)'),
  error: z.object({ message: z.string(), field: z.string().optional() }).optional(),
  password: z
    .string()
    .optional()
    .describe(
      'A contact line created with login "generated-password": the new password, shown this once (as by the ' +
        'single PUT); a repeat of the line is `unchanged` without it',
    ),
});
export type ErpBatchResult = z.infer<typeof ErpBatchResult>;
