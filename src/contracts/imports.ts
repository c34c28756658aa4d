import { z } from 'zod';
import { AttributeEntity, AttributeOption, AttributeType } from './attributes.ts';
import { Key, Uuid } from './common.ts';

import {
  FIELDS_BY_TYPE,
  IMPORT_FIELD_LABELS,
  IMPORT_FIELDS,
  IMPORT_TYPES,
  LOGIN_MODES,
  REQUIRED_BY_TYPE,
} from './import-fields.ts';

export { FIELDS_BY_TYPE, IMPORT_FIELD_LABELS, IMPORT_FIELDS, IMPORT_TYPES, LOGIN_MODES, REQUIRED_BY_TYPE };
export const ImportType = z.enum(IMPORT_TYPES);
export type ImportType = z.infer<typeof ImportType>;
export const ImportField = z.enum(IMPORT_FIELDS);
export type ImportField = z.infer<typeof ImportField>;

export const ColumnSource = z.union([
  z.object({ column: z.string().min(1).max(200).describe('A detected column, by its header') }),
  z.object({ value: z.string().max(1000).describe('The same value for every row') }),
]);
export type ColumnSource = z.infer<typeof ColumnSource>;

/**
 * A custom attribute as an import target: `attributes.<key>`, or `attributes.account.<key>` /
 * `attributes.contact.<key>` where a file of accounts and contacts has both with that key.
 */
export const AttributeTargetName = z.templateLiteral([
  'attributes.',
  z.string().regex(/^(?:(?:account|contact)\.)?[a-z][a-z0-9_]*$/),
]);
export type AttributeTargetName = z.infer<typeof AttributeTargetName>;
export const isAttributeTarget = (name: string): name is AttributeTargetName =>
  name.startsWith('attributes.');

/** Target field (or `attributes.<key>`) → where its value comes from; columns not named here are skipped. */
export const ImportMapping = z.partialRecord(z.union([ImportField, AttributeTargetName]), ColumnSource);
export type ImportMapping = z.infer<typeof ImportMapping>;

export const LoginMode = z.enum(LOGIN_MODES);
export type LoginMode = z.infer<typeof LoginMode>;

const OptionalDate = z.iso
  .datetime({ offset: true, message: 'Use an ISO date and time' })
  .or(z.iso.date({ message: 'Use a date such as 2026-12-31' }))
  .nullish();

export const ImportOptions = z
  .object({
    customerGroups: z.array(Key).max(50).default([]).describe('Groups everyone in the file is added to'),
    logins: LoginMode.default('none').describe(
      'How new contacts get a login. Default none: no email is sent unless the employee chooses activation',
    ),
    loginValidFrom: OptionalDate,
    loginValidUntil: OptionalDate,
    allOrNothing: z.boolean().default(false).describe('One rejected row stores nothing'),
    hasHeader: z.boolean().default(true),
    sheet: z.string().max(200).optional().describe('XLSX: the sheet to read (the first when absent)'),
    scheduledAt: z.iso.datetime({ offset: true }).nullish().describe('Run at this time instead of now'),
  })
  .refine((o) => !o.loginValidFrom || !o.loginValidUntil || o.loginValidFrom <= o.loginValidUntil, {
    message: 'The login must start being valid before it stops',
    path: ['loginValidUntil'],
  });
export type ImportOptions = z.infer<typeof ImportOptions>;
export type ImportOptionsInput = z.input<typeof ImportOptions>;

export const ImportCounts = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.number().int(),
});
export type ImportCounts = z.infer<typeof ImportCounts>;

/** A custom attribute the mapping of this import type can fill. */
export const ImportAttributeTarget = z.object({
  target: AttributeTargetName,
  entity: AttributeEntity,
  key: z.string(),
  label: z.string(),
  type: AttributeType,
  mandatory: z.boolean().describe('Rows creating a record need a value; updates keep what is stored'),
  options: z.array(AttributeOption),
});
export type ImportAttributeTarget = z.infer<typeof ImportAttributeTarget>;

export const ImportStatus = z.enum([
  'uploaded',
  'checking',
  'checked',
  'scheduled',
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
]);
export type ImportStatus = z.infer<typeof ImportStatus>;

export const CellError = z.object({
  column: z.string().nullable(),
  field: z.string().nullable(),
  message: z.string(),
});
export type CellError = z.infer<typeof CellError>;

export const PreviewRow = z.object({
  line: z.number().int().describe('The line (CSV) or row (XLSX) number in the file'),
  cells: z.array(z.string()),
  errors: z.array(CellError),
});
export type PreviewRow = z.infer<typeof PreviewRow>;

export const ImportProgress = z.object({
  pass: z.enum(['dry-run', 'run']).nullable(),
  phase: z.enum(['staging', 'applying']).nullable(),
  rowsRead: z.number().int(),
  rowsApplied: z.number().int(),
  totalRows: z.number().int().nullable(),
  rowsPerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  percent: z.number(),
});

export const Import = z.object({
  id: Uuid,
  type: ImportType,
  sourceName: z.string(),
  format: z.enum(['csv', 'xlsx', 'text']),
  fileName: z.string().nullable(),
  fileSize: z.number().int(),
  encoding: z.string().nullable(),
  delimiter: z.string().nullable(),
  sheet: z.string().nullable(),
  sheets: z.array(z.string()),
  columns: z.array(z.string()),
  mapping: ImportMapping,
  suggestedMapping: ImportMapping,
  attributeTargets: z
    .array(ImportAttributeTarget)
    .describe('The active custom attributes this type can fill, as mapping targets'),
  options: z.record(z.string(), z.unknown()),
  status: ImportStatus,
  counts: ImportCounts,
  dryRunCounts: ImportCounts.nullable(),
  progress: ImportProgress,
  error: z.string().nullable(),
  hasCredentials: z.boolean().describe('Generated passwords wait to be downloaded (once)'),
  warnings: z
    .array(z.string())
    .describe('What to look at before running, such as a file with only a header row (it cannot run)'),
  scheduledAt: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type Import = z.infer<typeof Import>;

export const ImportCreated = Import.extend({ preview: z.array(PreviewRow) });
export type ImportCreated = z.infer<typeof ImportCreated>;

export const ImportSummary = Import.pick({
  id: true,
  type: true,
  sourceName: true,
  format: true,
  status: true,
  counts: true,
  scheduledAt: true,
  createdBy: true,
  createdAt: true,
  finishedAt: true,
});
export type ImportSummary = z.infer<typeof ImportSummary>;

export const ImportUpdateBody = z.object({
  mapping: ImportMapping.optional(),
  options: z.record(z.string(), z.unknown()).optional().describe('ImportOptions'),
  type: ImportType.optional(),
});
export type ImportUpdateBody = z.infer<typeof ImportUpdateBody>;

export const ImportPreview = z.object({ rows: z.array(PreviewRow), mappingErrors: z.array(CellError) });
export type ImportPreview = z.infer<typeof ImportPreview>;

export const ReportQuery = z.object({ format: z.enum(['csv', 'xlsx']).default('csv') });

const FolderName = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'Use a folder name of letters, digits, dot, dash or underscore',
  );

export const ImportSchedule = z.object({
  id: Uuid,
  name: z.string().describe('Also the source name its column mapping is remembered under'),
  type: ImportType,
  folder: z.string().describe('Sub-folder of IMPORT_DROP_DIR watched by this schedule'),
  cron: z.string(),
  timezone: z.string(),
  options: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  nextRunAt: z.string().nullable(),
  lastRunAt: z.string().nullable(),
  lastImport: z
    .object({ id: Uuid, status: ImportStatus, counts: ImportCounts, createdAt: z.string() })
    .nullable(),
});
export type ImportSchedule = z.infer<typeof ImportSchedule>;

export const ImportScheduleBody = z.object({
  name: z.string().trim().min(1, 'Required').max(100),
  type: ImportType,
  folder: FolderName.optional().describe(
    'Defaults to the type: accounts, contacts, individuals, mixed, invoices, payment-terms, price-groups or sales-reps',
  ),
  cron: z.string().trim().min(9).max(100).describe('Five-field cron, e.g. "0 2 * * *" for 02:00 every day'),
  timezone: z.string().trim().max(64).default('UTC'),
  options: z.record(z.string(), z.unknown()).default({}).describe('ImportOptions for each run'),
  enabled: z.boolean().default(true),
});
export type ImportScheduleBody = z.infer<typeof ImportScheduleBody>;
export const ImportScheduleUpdateBody = z.object({
  name: z.string().trim().min(1, 'Required').max(100).optional(),
  type: ImportType.optional(),
  folder: FolderName.optional(),
  cron: z.string().trim().min(9).max(100).optional(),
  timezone: z.string().trim().max(64).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  enabled: z.boolean().optional(),
});

export const ScheduleFileQueued = z.object({
  fileName: z.string().describe('The name the file waits under in the schedule folder'),
  folder: z.string(),
  nextRunAt: z
    .string()
    .nullable()
    .describe('When the schedule imports it; null while the schedule is paused'),
});
export type ScheduleFileQueued = z.infer<typeof ScheduleFileQueued>;
