import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json = ColumnType<Record<string, unknown>, string | undefined, string>;
type NullableJson = ColumnType<Record<string, unknown> | null, string | null, string | null>;
type TextArray = ColumnType<string[], string[] | undefined, string[]>;

export interface ScopesTable {
  id: Generated<string>;
  key: string;
  name: string;
  created_at: Generated<Date>;
}

export interface SettingsTable {
  scope_id: string;
  key: string;
  value: Json;
  updated_at: Timestamp;
}

export interface AccountsTable {
  id: Generated<string>;
  scope_id: string;
  kind: 'business' | 'personal';
  name: string;
  code: string | null;
  number: string;
  status: 'pending' | 'active' | 'disabled';
  payment_terms: string | null;
  price_group: string | null;
  sales_rep_code: string | null;
  erp_synced_at: NullableTimestamp;
  erp_number: ColumnType<string | null, string | null | undefined, string | null>;
  erp_sync_state: ColumnType<ErpSyncState, ErpSyncState | undefined, ErpSyncState>;
  erp_sync_attempts: ColumnType<number, number | undefined, number>;
  erp_last_error: ColumnType<string | null, string | null | undefined, string | null>;
  erp_queued_at: NullableTimestamp;
  first_order_at: NullableTimestamp;
  custom: Json;
  search: ColumnType<string, never, never>;
  approved_at: NullableTimestamp;
  approved_by: ColumnType<string | null, string | null | undefined, string | null>;
  rejected_at: NullableTimestamp;
  rejection_reason: ColumnType<string | null, string | null | undefined, string | null>;
  self_registered: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type ErpSyncState = 'not-synced' | 'queued' | 'synced' | 'failed';

export interface ContactsTable {
  id: Generated<string>;
  scope_id: string;
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  work_phone: string | null;
  language: ColumnType<string, string | undefined, string>;
  status: 'pending' | 'active' | 'disabled';
  password_hash: string | null;
  login_valid_from: NullableTimestamp;
  login_valid_until: NullableTimestamp;
  activated_at: NullableTimestamp;
  last_sign_in_at: NullableTimestamp;
  custom: Json;
  search: ColumnType<string, never, never>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ContactAccountsTable {
  contact_id: string;
  account_id: string;
  is_primary: boolean;
  created_at: Timestamp;
}

export interface AddressesTable {
  id: Generated<string>;
  account_id: string | null;
  contact_id: string | null;
  type: 'billing' | 'shipping';
  is_default: boolean;
  name: string | null;
  line1: string;
  line2: string | null;
  city: string;
  postal_code: string;
  region: string | null;
  country: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CustomerGroupsTable {
  id: Generated<string>;
  scope_id: string;
  key: string;
  name: string;
  password_hash: string | null;
  login_valid_from: NullableTimestamp;
  login_valid_until: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AccountCustomerGroupsTable {
  account_id: string;
  customer_group_id: string;
}

export interface ContactCustomerGroupsTable {
  contact_id: string;
  customer_group_id: string;
}

export interface CustomAttributesTable {
  id: Generated<string>;
  scope_id: string;
  entity: 'account' | 'contact';
  key: string;
  label: string;
  type: 'text' | 'number' | 'boolean' | 'date' | 'select' | 'multiselect' | 'email' | 'phone' | 'url';
  options: Json;
  mandatory: boolean;
  position: number;
  labels: Json;
  help_text: string | null;
  show_in_list: Generated<boolean>;
  filterable: Generated<boolean>;
  show_at_sign_up: Generated<boolean>;
  archived_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface RolesTable {
  id: Generated<string>;
  key: string;
  name: string;
  description: string | null;
  created_at: Timestamp;
}

export interface GroupRolesTable {
  id: Generated<string>;
  key: string;
  name: string;
  created_at: Timestamp;
}

export interface GroupRoleRolesTable {
  group_role_id: string;
  role_id: string;
}

export interface ContactRolesTable {
  contact_id: string;
  role_id: string;
}

export interface ContactGroupRolesTable {
  contact_id: string;
  group_role_id: string;
}

export interface EmployeesTable {
  id: Generated<string>;
  email: string;
  name: string | null;
  password_hash: string | null;
  roles: TextArray;
  status: 'active' | 'disabled';
  last_sign_in_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface EmployeeAccountsTable {
  employee_id: string;
  account_id: string;
}

export interface SessionsTable {
  token_hash: string;
  subject_type: 'employee' | 'contact';
  subject_id: string;
  ip: string | null;
  user_agent: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  /** The account a storefront session acts for; null: the contact's primary account. */
  account_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RateLimitsTable {
  key: string;
  count: number;
  reset_at: Timestamp;
}

export interface ApiKeysTable {
  id: Generated<string>;
  name: string;
  prefix: string;
  key_hash: string;
  roles: TextArray;
  created_by: string | null;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface SignInFailuresTable {
  key: string;
  failures: number;
  last_failure_at: Timestamp;
  locked_until: NullableTimestamp;
}

export type TokenPurpose = 'activation' | 'password-reset' | 'employee-setup' | 'employee-reset' | 'join';

export interface OneTimeTokensTable {
  token_hash: string;
  purpose: TokenPurpose;
  subject_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

export interface EmailsTable {
  id: Generated<string>;
  scope_id: string | null;
  template_key: string | null;
  language: string | null;
  to_address: string;
  cc: TextArray;
  bcc: TextArray;
  from_address: string | null;
  subject: string;
  html: string;
  text: string;
  status: 'queued' | 'sending' | 'sent' | 'failed' | 'captured';
  message_id: string;
  contact_id: string | null;
  attempts: Generated<number>;
  last_error: string | null;
  next_attempt_at: NullableTimestamp;
  lease_until: NullableTimestamp;
  from_name: string | null;
  sent_at: NullableTimestamp;
  created_at: Timestamp;
  /** Placeholder → raw one-time token, kept only while the email may still be delivered. */
  secrets: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
}

export interface EmailAttemptsTable {
  id: Generated<string>;
  email_id: string;
  at: Timestamp;
  outcome: 'sent' | 'temporary-failure' | 'permanent-failure';
  response: string | null;
  duration_ms: number;
}

export interface EmailTemplatesTable {
  key: string;
  language: string;
  subject: string;
  html: string;
  text: string;
  updated_by: string | null;
  updated_at: Timestamp;
}

export interface EmailSettingsTable {
  key: string;
  enabled: boolean;
  cc: TextArray;
  bcc: TextArray;
  from_name: string | null;
  from_address: string | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Timestamp;
  actor_type: string;
  actor_id: string | null;
  actor_label: string | null;
  source: string;
  action: string;
  entity_type: string;
  entity_id: string;
  before: NullableJson;
  after: NullableJson;
  ip: string | null;
  request_id: string | null;
  import_id: string | null;
}

export type ImportType =
  | 'accounts'
  | 'contacts'
  | 'individuals'
  | 'mixed'
  | 'invoices'
  | 'payment-terms'
  | 'price-groups'
  | 'sales-reps';
export type ImportStatus =
  | 'uploaded'
  | 'checking'
  | 'checked'
  | 'scheduled'
  | 'queued'
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled';

export interface ImportsTable {
  id: Generated<string>;
  scope_id: string;
  type: ImportType;
  source_name: string;
  format: 'csv' | 'xlsx' | 'text';
  file_name: string | null;
  file_size: ColumnType<string, number | string, number | string>;
  encoding: string | null;
  delimiter: string | null;
  sheet: string | null;
  sheets: ColumnType<string[], string | undefined, string>;
  columns: ColumnType<string[], string | undefined, string>;
  mapping: Json;
  options: Json;
  status: ImportStatus;
  pass: 'dry-run' | 'run' | null;
  phase: 'staging' | 'applying' | null;
  counts: ColumnType<ImportCounts, string | undefined, string>;
  dry_run_counts: ColumnType<ImportCounts | null, string | null | undefined, string | null>;
  total_rows: number | null;
  rows_read: Generated<number>;
  applied_line: Generated<number>;
  rows_applied: Generated<number>;
  cancel_requested: Generated<boolean>;
  lease_until: NullableTimestamp;
  error: string | null;
  scheduled_at: NullableTimestamp;
  schedule_id: string | null;
  created_by_type: string;
  created_by_id: string | null;
  created_by_label: string;
  pass_started_at: NullableTimestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type ImportCounts = { created: number; updated: number; unchanged: number; rejected: number };

export interface ImportFilesTable {
  import_id: string;
  seq: number;
  data: Buffer;
}

export interface ImportRejectionsTable {
  id: Generated<string>;
  import_id: string;
  line: number;
  column_name: string | null;
  reason: string;
  cells: ColumnType<string[] | null, string | null, string | null>;
}

export interface ImportCredentialsTable {
  import_id: string;
  email: string;
  password: string;
}

export interface ImportMappingsTable {
  scope_id: string;
  type: string;
  source_name: string;
  mapping: Json;
  updated_at: Timestamp;
}

export interface ImportSchedulesTable {
  id: Generated<string>;
  scope_id: string;
  name: string;
  type: ImportType;
  folder: string;
  cron: string;
  timezone: Generated<string>;
  options: Json;
  enabled: Generated<boolean>;
  next_run_at: NullableTimestamp;
  last_run_at: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface InvoicesTable {
  id: Generated<string>;
  scope_id: string;
  account_id: string;
  number: string;
  date: ColumnType<Date | string, string, string>;
  amount: ColumnType<string, number | string, number | string>;
  currency: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface EventsTable {
  id: Generated<string>;
  seq: Generated<string>;
  scope_id: string;
  type: string;
  account_id: string | null;
  data: Json;
  created_at: Generated<Date>;
}

export interface OrdersTable {
  id: Generated<string>;
  scope_id: string;
  number: string;
  account_id: string;
  placed_at: ColumnType<Date, Date | string, Date | string>;
  total: ColumnType<string, number | string, number | string>;
  currency: string;
  created_at: Generated<Date>;
}

export interface IdempotencyKeysTable {
  principal: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  status: number;
  body: Json;
  created_at: Generated<Date>;
}

export interface WebhookEndpointsTable {
  id: Generated<string>;
  scope_id: string;
  url: string;
  description: string | null;
  event_types: TextArray;
  enabled: Generated<boolean>;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: NullableTimestamp;
  failing_since: NullableTimestamp;
  disabled_reason: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type WebhookDeliveryStatus = 'pending' | 'sending' | 'succeeded' | 'failed';

export interface WebhookDeliveriesTable {
  id: Generated<string>;
  n: Generated<string>;
  endpoint_id: string;
  event_id: string | null;
  type: string;
  test_data: NullableJson;
  account_id: string | null;
  seq: ColumnType<string, string | number | bigint, string | number | bigint>;
  status: Generated<WebhookDeliveryStatus>;
  attempts: Generated<number>;
  next_attempt_at: NullableTimestamp;
  lease_until: NullableTimestamp;
  last_status: number | null;
  last_error: string | null;
  created_at: Generated<Date>;
  completed_at: NullableTimestamp;
}

export interface WebhookAttemptsTable {
  id: Generated<string>;
  delivery_id: string;
  attempt: number;
  request_headers: Json;
  request_body: string;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  duration_ms: number;
  created_at: Generated<Date>;
}

export interface CommercialCodesTable {
  scope_id: string;
  list: 'payment-terms' | 'price-groups' | 'sales-reps';
  code: string;
  name: string;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface DB {
  scopes: ScopesTable;
  settings: SettingsTable;
  accounts: AccountsTable;
  contacts: ContactsTable;
  contact_accounts: ContactAccountsTable;
  addresses: AddressesTable;
  customer_groups: CustomerGroupsTable;
  account_customer_groups: AccountCustomerGroupsTable;
  contact_customer_groups: ContactCustomerGroupsTable;
  custom_attributes: CustomAttributesTable;
  roles: RolesTable;
  group_roles: GroupRolesTable;
  group_role_roles: GroupRoleRolesTable;
  contact_roles: ContactRolesTable;
  contact_group_roles: ContactGroupRolesTable;
  employees: EmployeesTable;
  employee_accounts: EmployeeAccountsTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  sign_in_failures: SignInFailuresTable;
  one_time_tokens: OneTimeTokensTable;
  emails: EmailsTable;
  email_attempts: EmailAttemptsTable;
  email_templates: EmailTemplatesTable;
  email_settings: EmailSettingsTable;
  audit_log: AuditLogTable;
  imports: ImportsTable;
  import_files: ImportFilesTable;
  import_rejections: ImportRejectionsTable;
  import_credentials: ImportCredentialsTable;
  import_mappings: ImportMappingsTable;
  import_schedules: ImportSchedulesTable;
  invoices: InvoicesTable;
  rate_limits: RateLimitsTable;
  commercial_codes: CommercialCodesTable;
  events: EventsTable;
  orders: OrdersTable;
  idempotency_keys: IdempotencyKeysTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

export type AccountRow = Selectable<AccountsTable>;
export type ContactRow = Selectable<ContactsTable>;
export type EmployeeRow = Selectable<EmployeesTable>;
export type EmailRow = Selectable<EmailsTable>;
