import { z } from 'zod';
import { Account, AccountCreateBody } from './accounts.ts';
import { text, Uuid } from './common.ts';

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
