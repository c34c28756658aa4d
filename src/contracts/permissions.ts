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
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const VIEW: Permission[] = ['accounts.read', 'contacts.read', 'roles.read'];
const EDIT: Permission[] = [...VIEW, 'accounts.write', 'contacts.write'];

/** What each employee role grants; administrator and superuser reach everything. */
export const ROLE_PERMISSIONS: Record<EmployeeRole, readonly Permission[]> = {
  administrator: PERMISSIONS,
  superuser: PERMISSIONS,
  companyView: [...VIEW, 'emails.read'],
  companyEdit: [...EDIT, 'emails.read'],
  crmCompanyView: VIEW,
  crmCompanyEdit: EDIT,
  customerView: [...VIEW, 'emails.read'],
  // Editing customers includes adding them to an account picked from the accounts list, not editing accounts.
  customerEdit: [...VIEW, 'contacts.write', 'emails.read'],
  importRun: ['accounts.read', 'contacts.read'],
  settingsEdit: [],
  approvalsManage: ['accounts.read', 'contacts.read'],
  emailTemplatesEdit: ['emails.read'],
  integrationsManage: ['apiKeys.manage'],
  auditView: ['audit.read'],
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
];

export function permissionsOf(roles: readonly EmployeeRole[]): Set<Permission> {
  return new Set(roles.flatMap((r) => ROLE_PERMISSIONS[r] ?? []));
}

export function isRestrictedToAssigned(roles: readonly EmployeeRole[]): boolean {
  return !roles.some((r) => UNRESTRICTED_ROLES.includes(r));
}
