import { z } from 'zod';
import { Password } from './employees.ts';

export const EmailStatus = z.enum(['queued', 'sending', 'sent', 'failed', 'captured']);

export const EmailMessage = z.object({
  id: z.string(),
  templateKey: z.string().nullable(),
  language: z.string().nullable(),
  fromName: z.string().nullable().describe('Null: the default sender (EMAIL_FROM)'),
  fromAddress: z.string().nullable(),
  to: z.string(),
  cc: z.array(z.string()),
  bcc: z.array(z.string()),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  status: EmailStatus,
  contactId: z.string().nullable(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});
export type EmailMessage = z.infer<typeof EmailMessage>;

export const EmailListQuery = z.object({
  to: z.string().trim().max(254).optional(),
  templateKey: z.string().max(64).optional(),
  status: EmailStatus.optional(),
  since: z.iso
    .date({ message: 'Use a date such as 2026-11-23' })
    .optional()
    .describe('Written on or after this day (UTC)'),
  until: z.iso
    .date({ message: 'Use a date such as 2026-11-23' })
    .optional()
    .describe('Written on or before this day (UTC)'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().describe('The nextCursor of the previous page'),
});

export const PasswordResetRequestBody = z.object({ email: z.string().trim().max(254) });
export const PasswordResetConfirmBody = z.object({ token: z.string().min(10).max(200), password: Password });
/** The same answer whether or not the email exists, so the form tells nobody who has an account. */
export const AcceptedMessage = z.object({ message: z.string() });

/** Checking an emailed link before its form is filled in: whether it can still be used. */
export const TokenCheckBody = z.object({
  purpose: z.enum(['activation', 'password-reset', 'employee-setup', 'employee-reset']),
  token: z.string().min(1).max(200),
});
export const TokenCheckResult = z.object({
  status: z.enum(['valid', 'used', 'expired', 'invalid']),
  message: z
    .string()
    .nullable()
    .describe('What to tell the person who opened the link, when it cannot be used'),
});

export const StoreActivateBody = z.object({ token: z.string().min(10).max(200), password: Password });
export const StoreSessionBody = z.object({
  email: z.string().trim().max(254),
  password: z.string().max(200),
});
export const StoreSessionInfo = z.object({
  contact: z.object({ id: z.string(), email: z.string(), firstName: z.string(), lastName: z.string() }),
  account: z
    .object({ id: z.string(), name: z.string(), number: z.string() })
    .nullable()
    .describe('The account the session acts for: the one chosen, else the primary account'),
  accounts: z
    .array(z.object({ id: z.string(), name: z.string(), number: z.string(), primary: z.boolean() }))
    .describe('The contact’s active accounts, to choose from (`PUT /api/store/session/account`)'),
});
