import type { EmployeeRole } from './employees.ts';

export const PERMISSIONS = [
  'accounts.read',
  'accounts.write',
  'contacts.read',
  'contacts.write',
  'roles.read',
  'roles.write',
  'employees.read',
  'employees.write',
  'apiKeys.manage',
  'audit.read',
  'emails.read',
  'emails.send',
  'emailTemplates.read',
  'emailTemplates.write',
  'settings.read',
  'settings.write',
  'customerGroups.read',
  'customerGroups.write',
  'imports.read',
  'imports.run',
  'approvals.manage',
  // The inbound ERP API (/api/erp/…): upserts by the ERP's keys and order events.
  'erp',
  'webhooks.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const VIEW: Permission[] = ['accounts.read', 'contacts.read', 'roles.read', 'customerGroups.read'];
const EDIT: Permission[] = [...VIEW, 'accounts.write', 'contacts.write', 'customerGroups.write'];

/** What each employee role grants; administrator and superuser reach everything. */
export const ROLE_PERMISSIONS: Record<EmployeeRole, readonly Permission[]> = {
  administrator: PERMISSIONS,
  superuser: PERMISSIONS,
  companyView: [...VIEW, 'emails.read'],
  companyEdit: [...EDIT, 'emails.read', 'emails.send'],
  crmCompanyView: VIEW,
  // Customer groups are seller-wide (a shared password signs in contacts of any account): not for scoped roles.
  crmCompanyEdit: [...EDIT.filter((p) => p !== 'customerGroups.write'), 'emails.send'],
  customerView: [...VIEW, 'emails.read'],
  // Editing customers includes adding them to an account picked from the accounts list, not editing accounts.
  customerEdit: [...VIEW, 'contacts.write', 'emails.read', 'emails.send'],
  // Imports write accounts and contacts through the import itself, not through the edit permissions.
  importRun: ['accounts.read', 'contacts.read', 'customerGroups.read', 'imports.read', 'imports.run'],
  settingsEdit: ['settings.read', 'settings.write'],
  approvalsManage: ['accounts.read', 'contacts.read', 'approvals.manage'],
  emailTemplatesEdit: [
    'emails.read',
    'emails.send',
    'emailTemplates.read',
    'emailTemplates.write',
    'settings.read',
    // To preview a template with a real contact's data.
    'accounts.read',
    'contacts.read',
  ],
  integrationsManage: ['apiKeys.manage', 'webhooks.manage'],
  auditView: ['audit.read'],
  // For API keys of the ERP connector: its writes go through /api/erp only.
  erpIntegration: ['erp'],
};

/** Roles that reach every account; holding only crmCompany* limits an employee to assigned accounts. */
export const UNRESTRICTED_ROLES: readonly EmployeeRole[] = [
  'administrator',
  'superuser',
  'companyView',
  'companyEdit',
  'customerView',
  'customerEdit',
  'importRun',
  'approvalsManage',
  'emailTemplatesEdit',
  // The ERP upserts any account by its number.
  'erpIntegration',
];

export function permissionsOf(roles: readonly EmployeeRole[]): Set<Permission> {
  return new Set(roles.flatMap((r) => ROLE_PERMISSIONS[r] ?? []));
}

export function isRestrictedToAssigned(roles: readonly EmployeeRole[]): boolean {
  return !roles.some((r) => UNRESTRICTED_ROLES.includes(r));
}
