import { z } from 'zod';

export const DEFAULT_CONTACT_LANGUAGES = ['en'];

/** A language code such as en or fr-CA (the form contacts and email templates use). */
export const LanguageCode = z
  .string()
  .trim()
  .regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'Use a language code such as en or fr-CA');

/** The languages the seller enables for contacts; the first is the default of new contacts. */
export const ContactLanguages = z
  .array(LanguageCode)
  .min(1, 'Enable at least one language')
  .max(40)
  .refine((l) => new Set(l).size === l.length, 'Name each language once');

export const ContactLanguagesResult = z.object({
  languages: z.array(z.string()).describe('Enabled languages; the first is the default of new contacts'),
});
export type ContactLanguagesResult = z.infer<typeof ContactLanguagesResult>;
