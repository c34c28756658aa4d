import { z } from 'zod';
import { AttributeValues, AttributeValuesInput } from './attributes.ts';
import { ListQuery, optionalText, text, Uuid } from './common.ts';

export const AccountKind = z.enum(['business', 'personal']);
export const AccountStatus = z.enum(['pending', 'active', 'disabled']);

export const Account = z.object({
  id: Uuid,
  kind: AccountKind,
  name: z.string(),
  code: z.string().nullable(),
  number: z.string(),
  status: AccountStatus,
  contactCount: z.number().int(),
  assignedEmployeeIds: z.array(Uuid),
  customerGroups: z.array(z.string()).describe('Keys of the customer groups the account is in'),
  attributes: AttributeValues,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Account = z.infer<typeof Account>;

export const AccountCreateBody = z.object({
  kind: AccountKind,
  name: text(200),
  code: optionalText(64).describe('The seller’s short code for the company'),
  number: optionalText(64).describe('ERP account number; generated (prefix + integer) when absent'),
  status: AccountStatus.optional(),
  attributes: AttributeValuesInput.optional(),
});
export type AccountCreateBody = z.infer<typeof AccountCreateBody>;

export const AccountUpdateBody = z.object({
  kind: AccountKind.optional(),
  name: text(200).optional(),
  code: optionalText(64),
  number: text(64).optional(),
  status: AccountStatus.optional(),
  attributes: AttributeValuesInput.optional(),
});
export type AccountUpdateBody = z.infer<typeof AccountUpdateBody>;

export const AccountListQuery = ListQuery.extend({
  kind: AccountKind.optional(),
  status: AccountStatus.optional(),
})
  .loose()
  .describe(
    'Also `attr.<key>=<value>`: a filterable custom attribute (422 for an unknown or unfilterable key)',
  );
export type AccountListQuery = z.infer<typeof AccountListQuery>;

export const AccountAssigneesBody = z.object({ employeeIds: z.array(Uuid).max(1000) });
