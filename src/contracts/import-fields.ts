// The import fields as plain constants, without zod, so the web app can use them too.

export const IMPORT_TYPES = [
  'accounts',
  'contacts',
  'individuals',
  'mixed',
  'invoices',
  'payment-terms',
  'price-groups',
  'sales-reps',
] as const;
export type ImportType = (typeof IMPORT_TYPES)[number];

export const IMPORT_FIELDS = [
  'accountNumber',
  'accountCode',
  'accountName',
  'accountKind',
  'paymentTerms',
  'priceGroup',
  'salesRepCode',
  'billingLine1',
  'billingLine2',
  'billingCity',
  'billingPostalCode',
  'billingRegion',
  'billingCountry',
  'email',
  'firstName',
  'lastName',
  'phone',
  'workPhone',
  'language',
  'customerGroups',
  // Invoices (idempotent by number).
  'number',
  'date',
  'amount',
  'currency',
  // The commercial lists (payment terms, price groups, sales reps; idempotent by code).
  'code',
  'name',
  'active',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export const IMPORT_FIELD_LABELS: Record<ImportField, string> = {
  accountNumber: 'Account number',
  accountCode: 'Account code',
  accountName: 'Company name',
  accountKind: 'Account kind (business/personal)',
  paymentTerms: 'Payment terms',
  priceGroup: 'Price group',
  salesRepCode: 'Sales rep code',
  billingLine1: 'Billing address line 1',
  billingLine2: 'Billing address line 2',
  billingCity: 'Billing city',
  billingPostalCode: 'Billing zip/postal code',
  billingRegion: 'Billing state/region',
  billingCountry: 'Billing country',
  email: 'Email',
  firstName: 'First name',
  lastName: 'Last name',
  phone: 'Phone',
  workPhone: 'Work phone',
  language: 'Language',
  customerGroups: 'Customer groups (keys, separated by ; or ,)',
  number: 'Invoice number',
  date: 'Invoice date (YYYY-MM-DD)',
  amount: 'Amount',
  currency: 'Currency (three letters, such as USD)',
  code: 'Code',
  name: 'Name',
  active: 'Active (yes/no)',
};

const ACCOUNT_FIELDS: ImportField[] = [
  'accountNumber',
  'accountCode',
  'accountName',
  'accountKind',
  'paymentTerms',
  'priceGroup',
  'salesRepCode',
];
const BILLING_FIELDS: ImportField[] = [
  'billingLine1',
  'billingLine2',
  'billingCity',
  'billingPostalCode',
  'billingRegion',
  'billingCountry',
];
const CONTACT_FIELDS: ImportField[] = ['email', 'firstName', 'lastName', 'phone', 'workPhone', 'language'];

/** Which fields each import type takes; a type's rows are matched by the first key it lists. */
export const FIELDS_BY_TYPE: Record<ImportType, readonly ImportField[]> = {
  accounts: [...ACCOUNT_FIELDS, ...BILLING_FIELDS, 'customerGroups'],
  contacts: ['accountNumber', 'accountCode', ...CONTACT_FIELDS, 'customerGroups'],
  individuals: [
    ...CONTACT_FIELDS,
    ...BILLING_FIELDS,
    'paymentTerms',
    'priceGroup',
    'salesRepCode',
    'customerGroups',
  ],
  mixed: [...ACCOUNT_FIELDS, ...BILLING_FIELDS, ...CONTACT_FIELDS, 'customerGroups'],
  invoices: ['number', 'accountNumber', 'accountCode', 'date', 'amount', 'currency'],
  'payment-terms': ['code', 'name', 'active'],
  'price-groups': ['code', 'name', 'active'],
  'sales-reps': ['code', 'name', 'active'],
};

/** Fields a mapping must fill; `accountNumber|accountCode` means either one. */
export const REQUIRED_BY_TYPE: Record<ImportType, readonly string[]> = {
  accounts: ['accountNumber|accountCode', 'accountName'],
  contacts: ['accountNumber|accountCode', 'email', 'firstName', 'lastName'],
  individuals: ['email', 'firstName', 'lastName'],
  mixed: ['accountNumber|accountCode', 'accountName'],
  invoices: ['number', 'accountNumber|accountCode', 'date', 'amount', 'currency'],
  'payment-terms': ['code', 'name'],
  'price-groups': ['code', 'name'],
  'sales-reps': ['code', 'name'],
};

/** The import types that fill one of the commercial lists (Settings → Customer data). */
export const COMMERCIAL_IMPORT_TYPES = ['payment-terms', 'price-groups', 'sales-reps'] as const;
export type CommercialImportType = (typeof COMMERCIAL_IMPORT_TYPES)[number];
export const isCommercialImport = (type: ImportType): type is CommercialImportType =>
  (COMMERCIAL_IMPORT_TYPES as readonly string[]).includes(type);

export const LOGIN_MODES = ['none', 'activation', 'generated', 'group-password'] as const;
export type LoginMode = (typeof LOGIN_MODES)[number];
