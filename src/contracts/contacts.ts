import { z } from 'zod';
import { AttributeValues, AttributeValuesInput } from './attributes.ts';
import { Email, Key, ListQuery, optionalText, text, Uuid } from './common.ts';
import { ContactLogin } from './contact-login.ts';
import { LoginDate } from './customer-groups.ts';

export const ContactStatus = z.enum(['active', 'disabled', 'pending']);
export const SEND_EMAIL_TEMPLATES = ['accountactivation'] as const;

export const ContactAccountRef = z.object({
  id: Uuid,
  name: z.string(),
  number: z.string(),
  code: z.string().nullable(),
});

export const Contact = z.object({
  id: Uuid,
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  phone: z.string().nullable(),
  workPhone: z.string().nullable(),
  language: z.string(),
  status: ContactStatus,
  hasLogin: z.boolean(),
  account: ContactAccountRef.nullable().describe('The primary account'),
  accounts: z.array(ContactAccountRef),
  roles: z.array(z.string()),
  groupRoles: z.array(z.string()),
  effectiveRoles: z.array(z.string()).describe('Roles plus the roles of the group roles'),
  customerGroups: z.array(z.string()).describe('Keys of the customer groups the contact is in'),
  attributes: AttributeValues,
  loginValidFrom: z.string().nullable().describe('When the contact’s login starts working; null: now'),
  loginValidUntil: z.string().nullable().describe('When the contact’s login stops working; null: never'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Contact = z.infer<typeof Contact>;

export const ContactCreated = Contact.extend({
  password: z
    .string()
    .optional()
    .describe('login "generated-password": the new password, shown this once; it is stored only hashed'),
});
export type ContactCreated = z.infer<typeof ContactCreated>;

export const ContactSummary = Contact.pick({
  id: true,
  email: true,
  firstName: true,
  lastName: true,
  phone: true,
  status: true,
  hasLogin: true,
  account: true,
  customerGroups: true,
  attributes: true,
  createdAt: true,
});
export type ContactSummary = z.infer<typeof ContactSummary>;

export const Language = z
  .string()
  .trim()
  .regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'Use a language code such as en or fr-CA');

const contactFields = {
  email: Email,
  firstName: text(100),
  lastName: text(100),
  phone: optionalText(40),
  workPhone: optionalText(40),
  language: Language.optional(),
  roles: z.array(Key).max(100).optional(),
  groupRoles: z.array(Key).max(100).optional(),
  attributes: AttributeValuesInput.optional(),
};

export const ContactCreateBody = z.object({
  ...contactFields,
  sendEmail: z.enum(SEND_EMAIL_TEMPLATES).nullish().describe('A system email to send; none when null'),
  customerGroups: z
    .array(Key)
    .max(50)
    .optional()
    .describe('Keys of existing customer groups the contact joins'),
  login: ContactLogin.optional().describe(
    'How the contact gets a login; without it, `sendEmail` alone decides (the activation email or none)',
  ),
});
export type ContactCreateBody = z.infer<typeof ContactCreateBody>;

export const ContactCreateWithAccountBody = ContactCreateBody.extend({ accountId: Uuid });
export type ContactCreateWithAccountBody = z.infer<typeof ContactCreateWithAccountBody>;

export const ContactUpdateBody = z.object({
  email: Email.optional(),
  firstName: text(100).optional(),
  lastName: text(100).optional(),
  phone: optionalText(40),
  workPhone: optionalText(40),
  language: Language.optional(),
  status: z.enum(['active', 'disabled']).optional(),
  roles: z.array(Key).max(100).optional(),
  groupRoles: z.array(Key).max(100).optional(),
  accountId: Uuid.optional().describe(
    'Moves the primary account, as `PUT /api/contacts/{id}/primary-account` does (re-mapping a web account)',
  ),
  attributes: AttributeValuesInput.optional(),
  loginValidFrom: LoginDate.nullable().optional().describe('null: the login works from now on'),
  loginValidUntil: LoginDate.nullable().optional().describe('null: the login works with no end'),
});
export type ContactUpdateBody = z.infer<typeof ContactUpdateBody>;

export const ContactListQuery = ListQuery.extend({
  accountId: Uuid.optional(),
  status: ContactStatus.optional(),
  customerGroup: Key.optional().describe(
    'Only contacts in the customer group with this key; an unknown key is 422',
  ),
})
  .loose()
  .describe(
    'Also `attr.<key>=<value>`: a filterable custom attribute (422 for an unknown or unfilterable key)',
  );
export type ContactListQuery = z.infer<typeof ContactListQuery>;

export const DuplicateCheckQuery = z.object({
  email: z.string().trim().max(254).optional(),
  firstName: z.string().trim().max(100).optional(),
  lastName: z.string().trim().max(100).optional(),
  accountId: Uuid.optional(),
});
export const DuplicateCheckResult = z.object({
  sameEmail: ContactSummary.nullable(),
  sameNameOnAccount: z.array(ContactSummary),
});
