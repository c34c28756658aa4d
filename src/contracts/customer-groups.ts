import { z } from 'zod';
import { Key, text, Uuid } from './common.ts';
import { Password } from './employees.ts';

/**
 * A moment a login starts or stops being valid: an ISO date-time with its offset, or a date alone
 * (a "from" date starts at 00:00 UTC that day; an "until" date lasts to the end of that day, UTC).
 */
export const LoginDate = z.iso
  .datetime({ offset: true, message: 'Use an ISO date and time, such as 2026-12-31T18:00:00+01:00' })
  .or(z.iso.date({ message: 'Use a date such as 2026-12-31' }));

/** The instant a LoginDate stands for. */
export function loginDateToDate(value: string, edge: 'from' | 'until'): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = new Date(`${value}T00:00:00Z`);
    return edge === 'from' ? start : new Date(start.getTime() + 24 * 3600_000);
  }
  return new Date(value);
}

/** For bodies with both ends of a validity window: the start comes first. */
export const windowInOrder = (o: { loginValidFrom?: string | null; loginValidUntil?: string | null }) =>
  !o.loginValidFrom ||
  !o.loginValidUntil ||
  loginDateToDate(o.loginValidFrom, 'from') <= loginDateToDate(o.loginValidUntil, 'until');
export const windowOrderIssue = {
  message: 'The login must start being valid before it stops',
  path: ['loginValidUntil'],
};

export const CustomerGroup = z.object({
  id: Uuid,
  key: z.string(),
  name: z.string(),
  accountCount: z.number().int().describe('Accounts in the group'),
  contactCount: z.number().int().describe('Contacts in the group'),
  hasPassword: z.boolean().describe('Whether the group has a shared login password'),
  loginValidFrom: z.string().nullable().describe('When logins with the shared password start working'),
  loginValidUntil: z.string().nullable().describe('When logins with the shared password stop working'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CustomerGroup = z.infer<typeof CustomerGroup>;

export const CustomerGroupList = z.object({ items: z.array(CustomerGroup) });

export const CustomerGroupListQuery = z.object({
  q: z.string().trim().max(200).optional().describe('Part of the key or name, any case'),
});

export const CustomerGroupCreateBody = z.object({
  key: Key.describe('Unique in the store, whatever its case; cannot be changed later'),
  name: text(100),
});
export type CustomerGroupCreateBody = z.infer<typeof CustomerGroupCreateBody>;

export const CustomerGroupUpdateBody = z
  .object({
    name: text(100).optional(),
    password: Password.nullable()
      .optional()
      .describe('The shared login password of the group (10+ characters, not a common one); null removes it'),
    loginValidFrom: LoginDate.nullable().optional().describe('null: valid from now on'),
    loginValidUntil: LoginDate.nullable().optional().describe('null: valid with no end'),
  })
  .refine(windowInOrder, windowOrderIssue);
export type CustomerGroupUpdateBody = z.infer<typeof CustomerGroupUpdateBody>;

export const CustomerGroupDeleteQuery = z.object({
  moveTo: Key.optional().describe('The key of another group its members move to before it is deleted'),
});

export const CustomerGroupMembersBody = z
  .object({
    contactIds: z.array(Uuid).max(5000).optional(),
    accountIds: z.array(Uuid).max(5000).optional(),
  })
  .refine((b) => (b.contactIds?.length ?? 0) + (b.accountIds?.length ?? 0) > 0, {
    message: 'Name at least one contact or account',
    path: ['contactIds'],
  });
export type CustomerGroupMembersBody = z.infer<typeof CustomerGroupMembersBody>;

export const CustomerGroupMembersResult = z.object({
  contacts: z
    .number()
    .int()
    .describe('Contacts that joined (or left); those already in (or out) are not counted'),
  accounts: z.number().int().describe('Accounts that joined (or left)'),
  group: CustomerGroup,
});
export type CustomerGroupMembersResult = z.infer<typeof CustomerGroupMembersResult>;
