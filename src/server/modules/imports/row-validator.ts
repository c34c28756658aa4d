import { z } from 'zod';
import { Email, Key } from '../../../contracts/common.ts';
import type { AttributeEntity, AttributeValue } from '../../../contracts/attributes.ts';
import {
  FIELDS_BY_TYPE,
  isAttributeTarget,
  type ImportAttributeTarget,
  IMPORT_FIELD_LABELS,
  REQUIRED_BY_TYPE,
  type CellError,
  type ImportField,
  type ImportMapping,
  type ImportType,
} from '../../../contracts/imports.ts';
import { isCommercialImport } from '../../../contracts/import-fields.ts';
import { COMMERCIAL_FIELD_RULES, COMMERCIAL_REQUIRED } from './commercial-rows.ts';
import { INVOICE_FIELD_RULES, INVOICE_REQUIRED } from './invoice-rows.ts';
import { checkTypedAddress } from '../addresses/address-check.ts';
import { fitValue } from '../attributes/validate.ts';
import { findTarget } from './import-attributes.ts';

/** Excel's own limit for a cell; a longer one is not a spreadsheet value but an attack or a broken file. */
export const MAX_CELL_LENGTH = 32_767;

const bounded = (max: number) => z.string().max(max, `Use at most ${max} characters`);

const KINDS: Record<string, 'business' | 'personal'> = {
  business: 'business',
  company: 'business',
  b2b: 'business',
  personal: 'personal',
  individual: 'personal',
  private: 'personal',
  consumer: 'personal',
  b2c: 'personal',
};

// Cells arrive trimmed and non-empty; an empty cell never reaches these (it means "leave as is").
const FIELD_RULES: Record<ImportField, z.ZodType<string>> = {
  accountNumber: bounded(64),
  accountCode: bounded(64),
  accountName: bounded(200),
  accountKind: z.string().transform((v, ctx) => {
    const kind = KINDS[v.toLowerCase()];
    if (!kind) ctx.addIssue({ code: 'custom', message: 'Use business or personal' });
    return kind ?? v;
  }),
  paymentTerms: bounded(64),
  priceGroup: bounded(64),
  salesRepCode: bounded(64),
  billingLine1: bounded(200),
  billingLine2: bounded(200),
  billingCity: bounded(100),
  billingPostalCode: bounded(20),
  billingRegion: bounded(100),
  billingCountry: bounded(64),
  email: Email.transform((v) => v),
  firstName: bounded(100),
  lastName: bounded(100),
  phone: bounded(40),
  workPhone: bounded(40),
  language: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/i, 'Use a language code such as en or fr-CA'),
  customerGroups: z.string().transform((v, ctx) => {
    const keys = v
      .split(/[;,|]/)
      .map((k) => k.trim().toLowerCase())
      .filter(Boolean);
    for (const key of keys) {
      if (!Key.safeParse(key).success)
        ctx.addIssue({ code: 'custom', message: `“${key}” is not a group key` });
    }
    return [...new Set(keys)].join(';');
  }),
  ...INVOICE_FIELD_RULES,
  ...COMMERCIAL_FIELD_RULES,
};

const BILLING_REQUIRED: ImportField[] = [
  'billingLine1',
  'billingCity',
  'billingPostalCode',
  'billingCountry',
];
const BILLING_ALL: ImportField[] = [...BILLING_REQUIRED, 'billingLine2', 'billingRegion'];
const CONTACT_REQUIRED: ImportField[] = ['email', 'firstName', 'lastName'];

/** The billing country as its ISO code (a code or an English name in the file), the postal code checked for it. */
function checkBillingAddress(
  values: RowValues,
  errors: CellError[],
  columnOf: (field: ImportField) => string | null,
) {
  const checked = checkTypedAddress({
    country: values.billingCountry!,
    postalCode: values.billingPostalCode!,
  });
  for (const e of checked.errors) {
    const field: ImportField = e.path === 'country' ? 'billingCountry' : 'billingPostalCode';
    errors.push({ column: columnOf(field), field, message: e.message });
  }
  if (!checked.errors.length) values.billingCountry = checked.country;
}

export type RowValues = Partial<Record<ImportField, string>>;
/** Custom attribute values of a row, checked and converted, by entity and key. */
export type RowAttributes = Partial<Record<AttributeEntity, Record<string, AttributeValue>>>;
export type ValidatedRow = { values: RowValues; errors: CellError[]; attributes?: RowAttributes };

type Source = { field: ImportField; column: number | null; header: string | null; value: string | null };
type AttributeSource = {
  target: ImportAttributeTarget;
  name: string;
  column: number | null;
  header: string | null;
  value: string | null;
};

/** Turns a mapping into a fast per-row reader; reports mapping mistakes once instead of on every row. */
export function compileMapping(
  type: ImportType,
  headers: string[],
  mapping: ImportMapping,
  knownGroups: ReadonlySet<string>,
  targets: readonly ImportAttributeTarget[] = [],
) {
  const allowed = new Set(FIELDS_BY_TYPE[type]);
  const mappingErrors: CellError[] = [];
  const sources: Source[] = [];
  const attributeSources: AttributeSource[] = [];
  const byHeader = new Map(headers.map((h, i) => [h.toLowerCase(), i]));
  for (const [name, source] of Object.entries(mapping)) {
    if (!source) continue;
    if (isAttributeTarget(name)) {
      const target = findTarget(targets, name);
      if (!target) {
        const key = name.split('.').at(-1)!;
        mappingErrors.push({ column: null, field: name, message: `Unknown attribute "${key}"` });
        continue;
      }
      if ('column' in source) {
        const index = byHeader.get(source.column.toLowerCase());
        if (index === undefined) {
          mappingErrors.push({
            column: source.column,
            field: name,
            message: `The file has no column “${source.column}”`,
          });
          continue;
        }
        attributeSources.push({ target, name, column: index, header: headers[index]!, value: null });
      } else if (source.value.trim()) {
        attributeSources.push({ target, name, column: null, header: null, value: source.value.trim() });
      }
      continue;
    }
    const field = name as ImportField;
    if (!allowed.has(field)) {
      mappingErrors.push({
        column: null,
        field,
        message: `${IMPORT_FIELD_LABELS[field]} is not imported with ${type}`,
      });
      continue;
    }
    if ('column' in source) {
      const index = byHeader.get(source.column.toLowerCase());
      if (index === undefined) {
        mappingErrors.push({
          column: source.column,
          field,
          message: `The file has no column “${source.column}”`,
        });
        continue;
      }
      sources.push({ field, column: index, header: headers[index]!, value: null });
    } else {
      const fixed = source.value.trim();
      if (fixed) sources.push({ field, column: null, header: null, value: fixed });
    }
  }
  const mapped = new Set(sources.map((s) => s.field));
  for (const requirement of REQUIRED_BY_TYPE[type]) {
    const options = requirement.split('|') as ImportField[];
    if (!options.some((f) => mapped.has(f))) {
      mappingErrors.push({
        column: null,
        field: options[0]!,
        message: `Map a column to ${options.map((f) => IMPORT_FIELD_LABELS[f]).join(' or ')}`,
      });
    }
  }
  const fields = sources.map((s) => s.field);
  const columnOf = (field: ImportField) => sources.find((s) => s.field === field)?.header ?? null;
  /** The column each mapped attribute comes from, by entity and key (null for a fixed value). */
  const attributeColumns = attributeSources.map((a) => ({
    entity: a.target.entity,
    key: a.target.key,
    column: a.header,
  }));

  function validate(cells: readonly string[]): ValidatedRow {
    const values: RowValues = {};
    const errors: CellError[] = [];
    if (cells.length > headers.length && cells.slice(headers.length).some((c) => c.trim() !== '')) {
      errors.push({
        column: null,
        field: null,
        message: `This row has ${cells.length} cells but the header has ${headers.length} columns`,
      });
    }
    for (let i = 0; i < cells.length; i++) {
      if (cells[i]!.length > MAX_CELL_LENGTH) {
        errors.push({
          column: headers[i] ?? `Column ${i + 1}`,
          field: null,
          message: `The cell is longer than ${MAX_CELL_LENGTH} characters`,
        });
      }
    }
    if (errors.length) return { values, errors };
    for (const source of sources) {
      const raw = (source.column === null ? source.value : cells[source.column])?.trim();
      if (!raw) continue;
      const parsed = FIELD_RULES[source.field].safeParse(raw);
      if (parsed.success) values[source.field] = parsed.data;
      else
        errors.push({ column: source.header, field: source.field, message: parsed.error.issues[0]!.message });
    }
    let attributes: RowAttributes | undefined;
    for (const a of attributeSources) {
      const raw = (a.column === null ? a.value : cells[a.column])?.trim();
      if (!raw) continue;
      // The API's own check and message, with the text conversions of imports (yes/no, option labels…).
      const fit = fitValue(a.target, raw, true);
      if ('error' in fit) {
        errors.push({ column: a.header, field: a.name, message: fit.error });
        continue;
      }
      attributes ??= {};
      (attributes[a.target.entity] ??= {})[a.target.key] = fit.value;
    }
    if (values.customerGroups) {
      const unknown = values.customerGroups.split(';').filter((k) => !knownGroups.has(k));
      if (unknown.length) {
        errors.push({
          column: source('customerGroups'),
          field: 'customerGroups',
          message: `No customer group ${unknown.map((k) => `“${k}”`).join(', ')}`,
        });
      }
    }
    requireAll(
      type === 'mixed' ? (values.email || values.firstName || values.lastName ? CONTACT_REQUIRED : []) : [],
    );
    if (type === 'contacts' || type === 'individuals') requireAll(CONTACT_REQUIRED);
    if (type === 'accounts' || type === 'mixed') requireAll(['accountName']);
    if (type === 'invoices') requireAll(INVOICE_REQUIRED);
    if (isCommercialImport(type)) requireAll(COMMERCIAL_REQUIRED);
    if (type === 'accounts' || type === 'contacts' || type === 'mixed' || type === 'invoices') {
      if (
        !values.accountNumber &&
        !values.accountCode &&
        !hasError('accountNumber') &&
        !hasError('accountCode')
      ) {
        errors.push({
          column: source('accountNumber') ?? source('accountCode'),
          field: 'accountNumber',
          message: 'Give an account number or code',
        });
      }
    }
    if (BILLING_ALL.some((f) => values[f])) requireAll(BILLING_REQUIRED, 'Required for a billing address');
    if (values.billingCountry && values.billingPostalCode) checkBillingAddress(values, errors, columnOf);
    return attributes ? { values, errors, attributes } : { values, errors };

    function hasError(field: ImportField) {
      return errors.some((e) => e.field === field);
    }
    function source(field: ImportField) {
      return columnOf(field);
    }
    function requireAll(required: ImportField[], message = 'Required') {
      for (const field of required) {
        if (!values[field] && !hasError(field)) errors.push({ column: columnOf(field), field, message });
      }
    }
  }

  return { fields, mappingErrors, validate, attributeColumns };
}
export type CompiledMapping = ReturnType<typeof compileMapping>;
