import { z } from 'zod';
import { AttributeValuesInput } from './attributes.ts';
import { Key, Uuid } from './common.ts';
import { LoginDate, windowInOrder, windowOrderIssue } from './customer-groups.ts';
import { LoginMode } from './imports.ts';

export const BULK_ADD_MAX_LINES = 5000;

export const ContactBulkAddBody = z
  .object({
    text: z
      .string()
      .max(3_000_000, 'The text is too long; paste at most 5,000 lines')
      .describe(
        'One contact a line: email, first name, last name, phone, work phone (both optional unless Settings make them mandatory), separated by commas, semicolons ' +
          'or tabs (as copied from a spreadsheet; tabs win when the text has any). Cells may be quoted. ' +
          'Blank lines are ignored, and so is a first line of column names such as "email,first name,last name".',
      ),
    accountId: Uuid.optional().describe(
      'The account every new contact joins (as its primary account). When absent, each new contact gets ' +
        'a personal account of its own, which needs accounts.write.',
    ),
    customerGroups: z
      .array(Key)
      .max(50)
      .default([])
      .describe('Keys of customer groups every line joins, new and existing contacts alike'),
    logins: LoginMode.default('none').describe(
      'none: no login yet; activation: the welcome email with an activation link; generated: a random ' +
        'password per new contact, returned once in its result and never stored in clear; group-password: ' +
        'the shared password of the one chosen customer group that has one',
    ),
    loginValidFrom: LoginDate.nullish().describe(
      'When the new contacts’ logins start working (group-password: the group’s when absent)',
    ),
    loginValidUntil: LoginDate.nullish().describe(
      'When the new contacts’ logins stop working (group-password: the group’s when absent)',
    ),
    attributes: AttributeValuesInput.optional().describe(
      'Custom attribute values every new contact gets; mandatory contact attributes must be given (422 naming them)',
    ),
    accountAttributes: AttributeValuesInput.optional().describe(
      'Custom attribute values of the personal accounts created without accountId; mandatory account ' +
        'attributes must be given then (422 naming them as accountAttributes.<key>)',
    ),
    allOrNothing: z
      .boolean()
      .default(false)
      .describe('One invalid line stores nothing: 422 with every line’s result as it would have been'),
  })
  .refine(windowInOrder, windowOrderIssue);
export type ContactBulkAddBody = z.infer<typeof ContactBulkAddBody>;
export type ContactBulkAddInput = z.input<typeof ContactBulkAddBody>;

export const BulkAddStatus = z.enum(['created', 'exists', 'invalid']);
export type BulkAddStatus = z.infer<typeof BulkAddStatus>;

export const BulkAddLineResult = z.object({
  line: z.number().int().describe('1-based line in the text'),
  email: z.string().describe('The email cell as typed'),
  status: BulkAddStatus.describe(
    'created: a new contact; exists: a contact with this email was already in the store (it still joins ' +
      'the chosen customer groups, nothing else changes); invalid: nothing stored for this line',
  ),
  contactId: Uuid.optional(),
  accountId: Uuid.optional().describe(
    'The new contact’s account (its personal account when one was created)',
  ),
  error: z.string().optional().describe('Why the line is invalid, naming the field'),
  password: z.string().optional().describe('logins "generated": the new password; shown this once only'),
});
export type BulkAddLineResult = z.infer<typeof BulkAddLineResult>;

export const ContactBulkAddResult = z.object({
  results: z.array(BulkAddLineResult),
  created: z.number().int(),
  exists: z.number().int(),
  invalid: z.number().int(),
});
export type ContactBulkAddResult = z.infer<typeof ContactBulkAddResult>;
