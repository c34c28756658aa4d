import { z } from 'zod';
import { AccountStatus } from './accounts.ts';
import { Uuid } from './common.ts';

/** One account a contact belongs to (seed 003: the contact's organizations). */
export const ContactAccount = z.object({
  id: Uuid,
  number: z.string(),
  code: z.string().nullable(),
  name: z.string(),
  status: AccountStatus,
  primary: z.boolean().describe('The account the contact acts for unless it chooses another at the store'),
  webAccount: z
    .boolean()
    .describe('The number is a generated web number (the prefix of Settings, `W` by default)'),
});
export type ContactAccount = z.infer<typeof ContactAccount>;

export const ContactAccountList = z.object({ accounts: z.array(ContactAccount) });
export type ContactAccountList = z.infer<typeof ContactAccountList>;

/** A web account the change left without contacts: the portal offers to disable it. */
export const EmptiedWebAccount = z.object({
  id: Uuid,
  number: z.string(),
  name: z.string(),
  status: AccountStatus,
});

export const ContactAccountsChange = ContactAccountList.extend({
  emptiedWebAccount: EmptiedWebAccount.nullable().describe(
    'A web account (`W…`) the contact left that now has no contacts; null when there is none',
  ),
});
export type ContactAccountsChange = z.infer<typeof ContactAccountsChange>;

export const ContactAccountAddBody = z.object({
  accountId: Uuid,
  primary: z.boolean().optional().describe('Make it the primary account as well (default false)'),
});
export type ContactAccountAddBody = z.infer<typeof ContactAccountAddBody>;

export const PrimaryAccountBody = z.object({
  accountId: Uuid.describe('Linked first if the contact is not in this account yet'),
  keepPrevious: z
    .boolean()
    .optional()
    .describe(
      'Keep the previous primary account as a secondary one. Default: kept, except a web account (`W…`) ' +
        're-mapped to another account, which the contact leaves',
    ),
});
export type PrimaryAccountBody = z.infer<typeof PrimaryAccountBody>;

export const ContactAccountParams = z.object({ id: Uuid, accountId: Uuid });

export const StoreAccountBody = z.object({ accountId: Uuid });
