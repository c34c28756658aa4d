import { z } from 'zod';
import { Email, optionalText } from './common.ts';

export const TemplateKeyParams = z.object({
  key: z.string().regex(/^[a-z][a-z0-9-]{1,63}$/, 'Not a system email key'),
});
export const TemplateParams = TemplateKeyParams.extend({
  language: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'Use a language code such as en or fr-CA'),
});

export const SystemEmailSummary = z.object({
  key: z.string(),
  name: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  cc: z.array(z.string()),
  bcc: z.array(z.string()),
  fromName: z.string().nullable(),
  fromAddress: z.string().nullable(),
  customisedLanguages: z
    .array(z.string())
    .describe('Languages with an edited template; the rest use the default'),
});
export type SystemEmailSummary = z.infer<typeof SystemEmailSummary>;

export const EmailTemplate = z.object({
  key: z.string(),
  language: z
    .string()
    .describe('The language of this content (the default language when none is written for the one asked)'),
  subject: z.string(),
  html: z.string(),
  text: z.string(),
  customised: z.boolean(),
  variables: z.array(z.string()).describe('What the template may use, e.g. contact.firstName'),
});
export type EmailTemplate = z.infer<typeof EmailTemplate>;

export const EmailTemplateBody = z.object({
  subject: z.string().trim().min(1, 'Required').max(500, 'Use at most 500 characters'),
  html: z.string().min(1, 'Required').max(100_000, 'Use at most 100,000 characters'),
  text: z.string().min(1, 'Required').max(50_000, 'Use at most 50,000 characters'),
});
export type EmailTemplateBody = z.infer<typeof EmailTemplateBody>;

export const EmailSettingsBody = z.object({
  enabled: z.boolean().optional(),
  cc: z.array(Email).max(20, 'At most 20 addresses').optional(),
  bcc: z.array(Email).max(20, 'At most 20 addresses').optional(),
  fromName: optionalText(100),
  fromAddress: Email.nullish(),
});
export type EmailSettingsBody = z.infer<typeof EmailSettingsBody>;

export const PreviewBody = z.object({
  contactId: z.uuid().optional().describe('Render with this contact’s data instead of the sample'),
  subject: z.string().max(500).optional().describe('Unsaved edits to preview; the saved template otherwise'),
  html: z.string().max(100_000).optional(),
  text: z.string().max(50_000).optional(),
});
export const RenderedPreview = z.object({ subject: z.string(), html: z.string(), text: z.string() });

export const Branding = z.object({
  name: z.string().trim().min(1, 'Required').max(100),
  logoUrl: z.url({ message: 'Enter a full https:// address' }).max(500).nullable(),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Use a colour such as #1c7ed6'),
});
