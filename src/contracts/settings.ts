import { z } from 'zod';
import { Key, text } from './common.ts';
import { ContactLanguages } from './languages.ts';
import { Branding } from './email-templates.ts';
import { AccountNumberPrefix, ErpSyncPolicy, RegistrationSettings } from './registration.ts';
import { RequiredFields, RequiredFieldsView } from './required-fields.ts';

/** Settings of the store (scope): branding, Settings → Customer data. */
export const Settings = z.object({
  branding: Branding,
  registration: RegistrationSettings,
  accountNumberPrefix: z.string().describe('Generated account numbers are this prefix and an integer'),
  erpSyncPolicy: ErpSyncPolicy.describe(
    'When a self-registered account goes to the ERP: its first order, when it is enabled, or never by itself',
  ),
  languages: z.array(z.string()).describe('The languages a contact may prefer; the first is the default'),
  requiredFields: RequiredFieldsView.describe(
    'Built-in fields that are mandatory (marked with an asterisk, enforced by every writer)',
  ),
});
export type Settings = z.infer<typeof Settings>;

const choice = z.string().trim().min(1, 'Required').max(64).nullable();

/** Any part of the sign-up settings; what is left out keeps its stored value. */
export const RegistrationSettingsPatch = z.object({
  newAccount: z
    .object({
      enabled: z.boolean().optional(),
      linkText: text(100).optional(),
      access: z.enum(['immediate', 'approval']).optional(),
      defaults: z
        .object({
          paymentTerms: choice.optional().describe('An active code of /api/payment-terms, or null'),
          customerGroups: z.array(Key).max(50).optional().describe('Keys of existing customer groups'),
          priceGroup: choice.optional().describe('An active code of /api/price-groups, or null'),
          salesRepCode: choice.optional().describe('An active code of /api/sales-reps, or null'),
        })
        .optional(),
    })
    .optional(),
  newContact: z.object({ enabled: z.boolean().optional(), linkText: text(100).optional() }).optional(),
  allowPersonalAccounts: z.boolean().optional(),
});
export type RegistrationSettingsPatch = z.infer<typeof RegistrationSettingsPatch>;

export const SettingsUpdateBody = z.object({
  branding: Branding.partial().optional(),
  registration: RegistrationSettingsPatch.optional(),
  accountNumberPrefix: AccountNumberPrefix.optional(),
  erpSyncPolicy: ErpSyncPolicy.optional(),
  languages: ContactLanguages.optional(),
  requiredFields: RequiredFields.optional().describe(
    'Replaces the mandatory built-in fields; records stored earlier without them stay as they are',
  ),
});
export type SettingsUpdateBody = z.infer<typeof SettingsUpdateBody>;

/** What the Customer data pickers offer: the active codes of the seller's lists, customer groups, sorted. */
export const SettingsChoices = z.object({
  paymentTerms: z.array(z.string()),
  priceGroups: z.array(z.string()),
  salesRepCodes: z.array(z.string()),
  customerGroups: z.array(z.object({ key: z.string(), name: z.string() })),
  nextAccountSequence: z
    .number()
    .int()
    .describe('The integer the next generated account number will end with (prefix + this)'),
});
export type SettingsChoices = z.infer<typeof SettingsChoices>;
