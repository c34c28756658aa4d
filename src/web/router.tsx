// The portal's route tree. Each page is its own chunk, loaded when its route is (or when a link to it
// is hovered: defaultPreload 'intent'); the layout and the route definitions are in the entry.
import type { QueryClient } from '@tanstack/react-query';
import { createRoute, createRouter, lazyRouteComponent, redirect } from '@tanstack/react-router';
import { PortalLayout } from './portal/PortalLayout.tsx';
import { auditFilterSearch } from './portal/audit/audit-search.ts';
import { attributeFilterParams, type AttributeFilterParams } from './api/attribute-values.ts';
import { rootRoute } from './root-route.tsx';
import { isoDate, oneOf, str } from './search-params.ts';

// Operations Portal.
const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'sign-in',
  validateSearch: (s: Record<string, unknown>): { redirect?: string } => ({ redirect: str(s.redirect) }),
  component: lazyRouteComponent(() => import('./portal/sign-in/SignInPage.tsx'), 'SignInPage'),
});
// First start: the one-time link the server prints creates the first administrator.
const setupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'setup',
  validateSearch: (s: Record<string, unknown>): { token?: string } => ({ token: str(s.token) }),
  component: lazyRouteComponent(() => import('./portal/setup/SetupPage.tsx'), 'SetupPage'),
});
// An employee's own password reset (the link of the reset email is /reset-password?token=…).
const forgotPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'forgot-password',
  component: lazyRouteComponent(
    () => import('./portal/sign-in/PasswordResetPages.tsx'),
    'ForgotPasswordPage',
  ),
});
const resetPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'reset-password',
  validateSearch: (s: Record<string, unknown>): { token?: string } => ({ token: str(s.token) }),
  component: lazyRouteComponent(() => import('./portal/sign-in/PasswordResetPages.tsx'), 'ResetPasswordPage'),
});
const portalRoute = createRoute({ getParentRoute: () => rootRoute, id: 'portal', component: PortalLayout });
const homeRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/accounts', search: {} });
  },
});

export interface AccountsSearch extends AttributeFilterParams {
  q?: string;
  kind?: 'business' | 'personal';
  status?: 'pending' | 'active' | 'disabled';
  customerGroup?: string;
  erpSync?: 'not-synced' | 'queued' | 'synced' | 'failed';
}
const accountsRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'accounts',
  validateSearch: (s: Record<string, unknown>): AccountsSearch => ({
    q: str(s.q),
    kind: oneOf(s.kind, ['business', 'personal'] as const),
    status: oneOf(s.status, ['pending', 'active', 'disabled'] as const),
    customerGroup: str(s.customerGroup),
    erpSync: oneOf(s.erpSync, ['not-synced', 'queued', 'synced', 'failed'] as const),
    ...attributeFilterParams(s),
  }),
  component: lazyRouteComponent(() => import('./portal/accounts/AccountsPage.tsx'), 'AccountsPage'),
});
const accountRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'accounts/$accountId',
  component: lazyRouteComponent(() => import('./portal/accounts/AccountPage.tsx'), 'AccountPage'),
});

export interface ContactsSearch extends AttributeFilterParams {
  q?: string;
  status?: 'active' | 'disabled' | 'pending';
  customerGroup?: string;
}
const contactsRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'contacts',
  validateSearch: (s: Record<string, unknown>): ContactsSearch => ({
    q: str(s.q),
    status: oneOf(s.status, ['active', 'disabled', 'pending'] as const),
    customerGroup: str(s.customerGroup),
    ...attributeFilterParams(s),
  }),
  component: lazyRouteComponent(() => import('./portal/contacts/ContactsPage.tsx'), 'ContactsPage'),
});
const contactRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'contacts/$contactId',
  component: lazyRouteComponent(() => import('./portal/contacts/ContactPage.tsx'), 'ContactPage'),
});
const employeesRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'employees',
  component: lazyRouteComponent(() => import('./portal/employees/EmployeesPage.tsx'), 'EmployeesPage'),
});
const rolesRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'roles',
  component: lazyRouteComponent(() => import('./portal/roles/RolesPage.tsx'), 'RolesPage'),
});
const customerGroupsRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'customer-groups',
  component: lazyRouteComponent(
    () => import('./portal/customer-groups/CustomerGroupsPage.tsx'),
    'CustomerGroupsPage',
  ),
});
const customerGroupRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'customer-groups/$groupId',
  component: lazyRouteComponent(
    () => import('./portal/customer-groups/CustomerGroupPage.tsx'),
    'CustomerGroupPage',
  ),
});
const apiKeysRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'api-keys',
  component: lazyRouteComponent(() => import('./portal/api-keys/ApiKeysPage.tsx'), 'ApiKeysPage'),
});

export interface AuditSearch {
  entityType?: string;
  entityId?: string;
  actor?: string;
  source?: string;
  action?: string;
  entity?: string;
  from?: string;
  to?: string;
}
const auditRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'audit',
  validateSearch: (s: Record<string, unknown>): AuditSearch => ({
    entityType: str(s.entityType),
    entityId: str(s.entityId),
    ...auditFilterSearch(s, str),
  }),
  component: lazyRouteComponent(() => import('./portal/audit/AuditPage.tsx'), 'AuditPage'),
});

export interface EmailsSearch {
  to?: string;
  templateKey?: string;
  status?: 'queued' | 'sending' | 'sent' | 'failed' | 'captured';
  since?: string;
  until?: string;
  id?: string;
}
const emailsRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'emails',
  validateSearch: (s: Record<string, unknown>): EmailsSearch => ({
    to: str(s.to),
    templateKey: str(s.templateKey),
    status: oneOf(s.status, ['queued', 'sending', 'sent', 'failed', 'captured'] as const),
    since: isoDate(s.since),
    until: isoDate(s.until),
    id: str(s.id),
  }),
  component: lazyRouteComponent(() => import('./portal/emails/EmailsPage.tsx'), 'EmailsPage'),
});

const emailTemplatesRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'email-templates',
  component: lazyRouteComponent(
    () => import('./portal/email-templates/EmailTemplatesPage.tsx'),
    'EmailTemplatesPage',
  ),
});
export interface EmailTemplateSearch {
  language?: string;
}
const emailTemplateRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'email-templates/$key',
  validateSearch: (s: Record<string, unknown>): EmailTemplateSearch => {
    const language = str(s.language);
    return { language: language && /^[a-z]{2}(-[A-Z]{2})?$/.test(language) ? language : undefined };
  },
  component: lazyRouteComponent(
    () => import('./portal/email-templates/EmailTemplatePage.tsx'),
    'EmailTemplatePage',
  ),
});
export interface ImportsSearch {
  tab?: 'schedules';
}
const importsRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'imports',
  validateSearch: (s: Record<string, unknown>): ImportsSearch => ({
    tab: oneOf(s.tab, ['schedules'] as const),
  }),
  component: lazyRouteComponent(() => import('./portal/imports/ImportsPage.tsx'), 'ImportsPage'),
});
const newImportRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'imports/new',
  component: lazyRouteComponent(() => import('./portal/imports/NewImportPage.tsx'), 'NewImportPage'),
});
const importRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'imports/$importId',
  component: lazyRouteComponent(() => import('./portal/imports/ImportPage.tsx'), 'ImportPage'),
});
const approvalsRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'approvals',
  component: lazyRouteComponent(() => import('./portal/approvals/ApprovalsPage.tsx'), 'ApprovalsPage'),
});
const settingsRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'settings',
  component: lazyRouteComponent(() => import('./portal/settings/SettingsPage.tsx'), 'SettingsPage'),
});
// The link in the `webhook-disabled` email.
const integrationsRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'settings/integrations',
  component: lazyRouteComponent(
    () => import('./portal/settings/IntegrationsSettingsPage.tsx'),
    'IntegrationsSettingsPage',
  ),
});

const routeTree = rootRoute.addChildren([
  signInRoute,
  setupRoute,
  forgotPasswordRoute,
  resetPasswordRoute,
  portalRoute.addChildren([
    homeRoute,
    accountsRoute,
    accountRoute,
    contactsRoute,
    contactRoute,
    employeesRoute,
    rolesRoute,
    customerGroupsRoute,
    customerGroupRoute,
    apiKeysRoute,
    auditRoute,
    emailsRoute,
    emailTemplatesRoute,
    emailTemplateRoute,
    settingsRoute,
    integrationsRoute,
    approvalsRoute,
    importsRoute,
    newImportRoute,
    importRoute,
  ]),
]);

export function createAppRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    context: { queryClient },
    defaultPreload: 'intent',
    scrollRestoration: true,
  });
}
