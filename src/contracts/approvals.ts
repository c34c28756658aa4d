import { z } from 'zod';
import { Approval } from './registration.ts';

export const ApprovalListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(100),
});
export const ApprovalList = z.object({
  items: z.array(Approval).describe('Accounts waiting for approval, the longest waiting first'),
  count: z.number().int().describe('How many accounts wait in all (items may be fewer)'),
});
export type ApprovalList = z.infer<typeof ApprovalList>;
export const ApprovalCount = z.object({ count: z.number().int() });
