import { z } from 'zod';

export const InvoiceListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(25),
  cursor: z.string().max(200).optional().describe('The nextCursor of the previous page'),
});
export type InvoiceListQuery = z.infer<typeof InvoiceListQuery>;
