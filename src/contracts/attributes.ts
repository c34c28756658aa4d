import { z } from 'zod';
import { optionalText, text, Uuid } from './common.ts';

/** Custom attributes (R9): fields a seller adds to accounts and contacts. Values live under `attributes`. */
export const AttributeEntity = z.enum(['account', 'contact']);
export type AttributeEntity = z.infer<typeof AttributeEntity>;
export const ATTRIBUTE_TYPES = [
  'text',
  'number',
  'date',
  'boolean',
  'select',
  'multiselect',
  'email',
  'phone',
  'url',
] as const;
export const AttributeType = z.enum(ATTRIBUTE_TYPES);
export type AttributeType = z.infer<typeof AttributeType>;

/** A lowercase identifier: the key values travel under (`attributes.<key>`, `attr.<key>=` filters). */
export const AttributeKey = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(64, 'Use at most 64 characters')
  .regex(/^[a-z][a-z0-9_]*$/, 'Use lowercase letters, digits and underscores, starting with a letter');

export const AttributeOption = z.object({
  value: z.string().trim().min(1, 'Required').max(100, 'Use at most 100 characters'),
  label: text(200),
});
export type AttributeOption = z.infer<typeof AttributeOption>;

/** Labels per language code (en, fr, fr-CA…). */
export const AttributeLabels = z.record(
  z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'Use a language code such as en or fr-CA'),
  text(200),
);

/** One value: text (text, date, email, phone, url, select), number, boolean, or a list (multiselect). */
export const AttributeValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);
export type AttributeValue = z.infer<typeof AttributeValue>;
/** Values on an account or contact, by attribute key. */
export const AttributeValues = z
  .record(z.string(), AttributeValue)
  .describe('Custom attribute values by key (only active attributes)');
export type AttributeValues = z.infer<typeof AttributeValues>;
/** Values in a write: unknown keys and wrong types are 422 naming `attributes.<key>`; null clears a value. */
export const AttributeValuesInput = z
  .record(z.string().max(64), z.unknown())
  .describe('Custom attribute values by key; on PATCH merged with the stored ones, null clears one');
export type AttributeValuesInput = z.infer<typeof AttributeValuesInput>;

export const AttributeDefinition = z.object({
  id: Uuid,
  entity: AttributeEntity,
  key: z.string(),
  type: AttributeType,
  label: z.string(),
  labels: z.record(z.string(), z.string()),
  helpText: z.string().nullable(),
  options: z.array(AttributeOption),
  mandatory: z.boolean(),
  showInList: z.boolean(),
  filterable: z.boolean(),
  showAtSignUp: z.boolean(),
  position: z.number().int(),
  archived: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AttributeDefinition = z.infer<typeof AttributeDefinition>;

export const AttributeDefinitionList = z.object({ items: z.array(AttributeDefinition) });

const definitionFields = {
  type: AttributeType,
  label: text(200),
  labels: AttributeLabels.optional(),
  helpText: optionalText(1000),
  options: z.array(AttributeOption).max(500).optional(),
  mandatory: z.boolean().optional(),
  showInList: z.boolean().optional(),
  filterable: z.boolean().optional(),
  showAtSignUp: z.boolean().optional(),
  position: z.number().int().min(0).max(100000).optional(),
};

export const AttributeCreateBody = z.object({
  entity: AttributeEntity,
  key: AttributeKey,
  ...definitionFields,
});
export type AttributeCreateBody = z.infer<typeof AttributeCreateBody>;

export const AttributeUpdateBody = z.object({
  type: definitionFields.type.optional(),
  label: definitionFields.label.optional(),
  labels: definitionFields.labels,
  helpText: definitionFields.helpText,
  options: definitionFields.options,
  mandatory: definitionFields.mandatory,
  showInList: definitionFields.showInList,
  filterable: definitionFields.filterable,
  showAtSignUp: definitionFields.showAtSignUp,
  position: definitionFields.position,
});
export type AttributeUpdateBody = z.infer<typeof AttributeUpdateBody>;

export const AttributeListQuery = z.object({
  entity: AttributeEntity.optional(),
  archived: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true')
    .describe('true lists the archived attributes instead of the active ones'),
});
export type AttributeListQuery = z.infer<typeof AttributeListQuery>;

/** An attribute as the storefront sign-up shows it (label in the visitor's language). */
export const SignUpAttribute = z.object({
  entity: AttributeEntity,
  key: z.string(),
  label: z.string(),
  type: AttributeType,
  options: z.array(AttributeOption),
  mandatory: z.boolean(),
  helpText: z.string().nullable(),
});
export type SignUpAttribute = z.infer<typeof SignUpAttribute>;

/** Values a visitor gives at sign-up, for the new account and for its contact (422 paths `attributes.<entity>.<key>`). */
export const SignUpAttributeValues = z
  .object({ account: AttributeValuesInput.optional(), contact: AttributeValuesInput.optional() })
  .describe('Values of the attributes listed by GET /api/store/registration, by entity');
export type SignUpAttributeValues = z.infer<typeof SignUpAttributeValues>;

/** Filters `attr.<key>=<value>` in a list query string. */
export function attributeFilters(query: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(query))
    if (name.startsWith('attr.') && typeof value === 'string') out[name.slice(5)] = value;
  return out;
}
