import { z } from 'zod';

/** The lists the seller keeps: payment terms, price groups, sales reps (Settings → Customer data). */
export const COMMERCIAL_LISTS = ['payment-terms', 'price-groups', 'sales-reps'] as const;
export type CommercialList = (typeof COMMERCIAL_LISTS)[number];

/** The account field each list's codes go to. */
export const COMMERCIAL_FIELDS = {
  'payment-terms': 'paymentTerms',
  'price-groups': 'priceGroup',
  'sales-reps': 'salesRepCode',
} as const satisfies Record<CommercialList, string>;
export type CommercialField = (typeof COMMERCIAL_FIELDS)[CommercialList];

/** How a list is named in messages: "payment terms", "price group", "sales rep". */
export const COMMERCIAL_LABELS: Record<CommercialList, { one: string; title: string }> = {
  'payment-terms': { one: 'payment terms', title: 'Payment terms' },
  'price-groups': { one: 'price group', title: 'Price groups' },
  'sales-reps': { one: 'sales rep', title: 'Sales reps' },
};

export const CommercialCodeValue = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(64, 'Use at most 64 characters')
  .regex(/^[^\s/?#%\\]+( [^\s/?#%\\]+)*$/, 'Use no slash, ?, #, %, backslash or double spaces');

export const CommercialCode = z.object({
  code: z.string(),
  name: z.string(),
  active: z.boolean().describe('An inactive code stays on accounts that have it but cannot be newly given'),
  accountCount: z.number().int().describe('Accounts that have this code'),
});
export type CommercialCode = z.infer<typeof CommercialCode>;

export const CommercialCodeList = z.object({ items: z.array(CommercialCode) });
export type CommercialCodeList = z.infer<typeof CommercialCodeList>;

export const CommercialCodeCreateBody = z.object({
  code: CommercialCodeValue,
  name: z.string().trim().min(1, 'Required').max(200, 'Use at most 200 characters'),
  active: z.boolean().optional(),
});
export type CommercialCodeCreateBody = z.infer<typeof CommercialCodeCreateBody>;

export const CommercialCodeUpdateBody = z.object({
  name: z.string().trim().min(1, 'Required').max(200, 'Use at most 200 characters').optional(),
  active: z.boolean().optional(),
});
export type CommercialCodeUpdateBody = z.infer<typeof CommercialCodeUpdateBody>;

export const CommercialCodeParams = z.object({ code: z.string().min(1).max(64) });

export const CommercialCodeDeleteQuery = z.object({
  moveTo: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .optional()
    .describe('Another code of the same list: the accounts that have the deleted code get this one first'),
});
export type CommercialCodeDeleteQuery = z.infer<typeof CommercialCodeDeleteQuery>;
