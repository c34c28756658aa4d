import { z } from 'zod';

export const AuditSource = z.enum(['portal', 'api', 'import', 'self-registration', 'erp', 'cli', 'system']);
export type AuditSource = z.infer<typeof AuditSource>;

export const AuditEntry = z.object({
  id: z.string(),
  at: z.string(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  actorLabel: z.string().nullable(),
  source: AuditSource,
  action: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  ip: z.string().nullable(),
  textDiffs: z
    .record(z.string(), z.string())
    .nullable()
    .describe(
      'Multi-line text that changed (an email template’s bodies): a unified diff of its changed lines, by field',
    ),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditListQuery = z.object({
  entityType: z.string().max(40).optional(),
  entityId: z.string().max(64).optional(),
  actorId: z.string().max(64).optional(),
  actor: z
    .string()
    .trim()
    .max(254)
    .optional()
    .describe('An employee’s id or email (or what an API key or import is called)'),
  source: AuditSource.optional(),
  action: z
    .string()
    .trim()
    .max(80)
    .optional()
    .describe('An action such as contact.created; one ending in "." takes every action it starts (contact.)'),
  entity: z
    .string()
    .trim()
    .max(254)
    .optional()
    .describe(
      'What changed, by id or by name: an account’s number, code or name, a contact’s or employee’s email',
    ),
  from: z.string().max(40).optional().describe('ISO date or date-time: entries at or after it'),
  to: z.string().max(40).optional().describe('ISO date (the whole day) or date-time: entries up to it'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().describe('The nextCursor of the previous page'),
});
