import { z } from 'zod';
import { Email, optionalText, Uuid } from './common.ts';

export const EMPLOYEE_ROLES = [
  'administrator',
  'superuser',
  'companyView',
  'companyEdit',
  'crmCompanyView',
  'crmCompanyEdit',
  'customerView',
  'customerEdit',
  'importRun',
  'settingsEdit',
  'approvalsManage',
  'emailTemplatesEdit',
  'integrationsManage',
  'auditView',
  'erpIntegration',
] as const;
export const EmployeeRole = z.enum(EMPLOYEE_ROLES);
export type EmployeeRole = z.infer<typeof EmployeeRole>;

export const Password = z.string().min(10, 'Use at least 10 characters').max(200);

export const Employee = z.object({
  id: Uuid,
  email: z.string(),
  name: z.string().nullable(),
  roles: z.array(EmployeeRole),
  status: z.enum(['active', 'disabled']),
  assignedAccountIds: z.array(Uuid),
  createdAt: z.string(),
  lastSignInAt: z.string().nullable(),
});
export type Employee = z.infer<typeof Employee>;

export const EmployeeCreateBody = z.object({
  email: Email,
  name: optionalText(200),
  password: Password.optional().describe('Omit to create the employee without a password'),
  roles: z.array(EmployeeRole).min(1, 'Give the employee at least one role'),
  assignedAccountIds: z.array(Uuid).max(10000).optional(),
});
export type EmployeeCreateBody = z.infer<typeof EmployeeCreateBody>;

export const EmployeeUpdateBody = z.object({
  name: optionalText(200),
  password: Password.optional(),
  roles: z.array(EmployeeRole).min(1).optional(),
  status: z.enum(['active', 'disabled']).optional(),
  assignedAccountIds: z.array(Uuid).max(10000).optional(),
});
export type EmployeeUpdateBody = z.infer<typeof EmployeeUpdateBody>;

export const SessionBody = z.object({ email: z.string().trim().max(254), password: z.string().max(200) });

/** What the portal needs to know about who is signed in. */
export const SessionInfo = z.object({
  employee: z.object({
    id: Uuid,
    email: z.string(),
    name: z.string().nullable(),
    roles: z.array(EmployeeRole),
  }),
  permissions: z.array(z.string()),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const ApiKey = z.object({
  id: Uuid,
  name: z.string(),
  prefix: z.string(),
  roles: z.array(EmployeeRole),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;
export const ApiKeyCreateBody = z.object({
  name: z.string().trim().min(1).max(100),
  roles: z.array(EmployeeRole).min(1),
});
export const ApiKeyCreated = ApiKey.extend({ key: z.string().describe('Shown once; store it now') });
