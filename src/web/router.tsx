import type { QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  Outlet,
  redirect,
} from '@tanstack/react-router';
import { NotFound } from './components/NotFound.tsx';
import { PortalLayout } from './portal/PortalLayout.tsx';
import { SignInPage } from './portal/sign-in/SignInPage.tsx';
import { SetupPage } from './portal/setup/SetupPage.tsx';
import { AccountsPage } from './portal/accounts/AccountsPage.tsx';
import { AccountPage } from './portal/accounts/AccountPage.tsx';
import { ContactsPage } from './portal/contacts/ContactsPage.tsx';
import { ContactPage } from './portal/contacts/ContactPage.tsx';
import { EmployeesPage } from './portal/employees/EmployeesPage.tsx';
import { RolesPage } from './portal/roles/RolesPage.tsx';
import { CustomerGroupsPage } from './portal/customer-groups/CustomerGroupsPage.tsx';
import { CustomerGroupPage } from './portal/customer-groups/CustomerGroupPage.tsx';
import { ApiKeysPage } from './portal/api-keys/ApiKeysPage.tsx';
import { AuditPage } from './portal/audit/AuditPage.tsx';
import { auditFilterSearch } from './portal/audit/AuditFilters.tsx';
import { EmailsPage } from './portal/emails/EmailsPage.tsx';
import { StoreLayout } from './store/StoreLayout.tsx';
import { StoreSignInPage } from './store/sign-in/StoreSignInPage.tsx';
import { StoreAccountPage } from './store/account/StoreAccountPage.tsx';
import { ActivatePage } from './store/activate/ActivatePage.tsx';
import { StoreResetPage } from './store/reset/StoreResetPage.tsx';
import { RegisterPage } from './store/register/RegisterPage.tsx';
import { JoinPage } from './store/join/JoinPage.tsx';
import { ForgotPasswordPage, ResetPasswordPage } from './portal/sign-in/PasswordResetPages.tsx';
import { EmailTemplatesPage } from './portal/email-templates/EmailTemplatesPage.tsx';
import { EmailTemplatePage } from './portal/email-templates/EmailTemplatePage.tsx';
import { SettingsPage } from './portal/settings/SettingsPage.tsx';
import { ApprovalsPage } from './portal/approvals/ApprovalsPage.tsx';
import { ImportsPage } from './portal/imports/ImportsPage.tsx';
import { NewImportPage } from './portal/imports/NewImportPage.tsx';
import { ImportPage } from './portal/imports/ImportPage.tsx';
import { attributeFilterParams, type AttributeFilterParams } from './api/attribute-values.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const isoDate = (v: unknown): string | undefined =>
  typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : undefined;
const oneOf = <T extends string>(v: unknown, options: readonly T[]): T | undefined =>
  options.find((o) => o === v);

const rootRoute = createRootRouteWithContext<{ queryClient: QueryClient }>()({
  component: Outlet,
  notFoundComponent: NotFound,
});

// Storefront: plain pages for the seller's customers.
const storeRoute = createRoute({ getParentRoute: () => rootRoute, path: 'store', component: StoreLayout });
const storeIndexRoute = createRoute({
  getParentRoute: () => storeRoute,
  path: '/',
  component: StoreSignInPage,
});
const storeSignInRoute = createRoute({
  getParentRoute: () => storeRoute,
  path: 'sign-in',
  component: StoreSignInPage,
});
const storeAccountRoute = createRoute({
  getParentRoute: () => storeRoute,
  path: 'account',
  component: StoreAccountPage,
});
const storeActivateRoute = createRoute({
  getParentRoute: () => storeRoute,
  path: 'activate',
  validateSearch: (s: Record<string, unknown>): { token?: string } => ({ token: str(s.token) }),
  component: ActivatePage,
});
// Without a token: "Forgot your password?"; with the token of the reset email: choose a new password.
const storeResetRoute = createRoute({
  getParentRoute: () => storeRoute,
  path: 'reset',
  validateSearch: (s: Record<string, unknown>): { token?: string } => ({ token: str(s.token) }),
  component: StoreResetPage,
});
// Self-service sign-up: a new account, or a login for an account that already exists.
const storeRegisterRoute = createRoute({
  getParentRoute: () => storeRoute,
  path: 'register',
  component: RegisterPage,
});
const storeJoinRoute = createRoute({ getParentRoute: () => storeRoute, path: 'join', component: JoinPage });

// Operations Portal.
const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'sign-in',
  validateSearch: (s: Record<string, unknown>): { redirect?: string } => ({ redirect: str(s.redirect) }),
  component: SignInPage,
});
// First start: the one-time link the server prints creates the first administrator.
const setupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'setup',
  validateSearch: (s: Record<string, unknown>): { token?: string } => ({ token: str(s.token) }),
  component: SetupPage,
});
// An employee's own password reset (the link of the reset email is /reset-password?token=…).
const forgotPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'forgot-password',
  component: ForgotPasswordPage,
});
const resetPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'reset-password',
  validateSearch: (s: Record<string, unknown>): { token?: string } => ({ token: str(s.token) }),
  component: ResetPasswordPage,
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
}
const accountsRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'accounts',
  validateSearch: (s: Record<string, unknown>): AccountsSearch => ({
    q: str(s.q),
    kind: oneOf(s.kind, ['business', 'personal'] as const),
    status: oneOf(s.status, ['pending', 'active', 'disabled'] as const),
    customerGroup: str(s.customerGroup),
    ...attributeFilterParams(s),
  }),
  component: AccountsPage,
});
const accountRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'accounts/$accountId',
  component: AccountPage,
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
  component: ContactsPage,
});
const contactRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'contacts/$contactId',
  component: ContactPage,
});
const employeesRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'employees',
  component: EmployeesPage,
});
const rolesRoute = createRoute({ getParentRoute: () => portalRoute, path: 'roles', component: RolesPage });
const customerGroupsRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'customer-groups',
  component: CustomerGroupsPage,
});
const customerGroupRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'customer-groups/$groupId',
  component: CustomerGroupPage,
});
const apiKeysRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'api-keys',
  component: ApiKeysPage,
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
  component: AuditPage,
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
  component: EmailsPage,
});

const emailTemplatesRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'email-templates',
  component: EmailTemplatesPage,
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
  component: EmailTemplatePage,
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
  component: ImportsPage,
});
const newImportRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'imports/new',
  component: NewImportPage,
});
const importRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'imports/$importId',
  component: ImportPage,
});
const approvalsRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'approvals',
  component: ApprovalsPage,
});
const settingsRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'settings',
  component: SettingsPage,
});
// The link in the `webhook-disabled` email.
const integrationsRoute = createRoute({
  getParentRoute: () => portalRoute,
  path: 'settings/integrations',
  component: () => <SettingsPage tab="integrations" />,
});

const routeTree = rootRoute.addChildren([
  storeRoute.addChildren([
    storeIndexRoute,
    storeSignInRoute,
    storeAccountRoute,
    storeActivateRoute,
    storeResetRoute,
    storeRegisterRoute,
    storeJoinRoute,
  ]),
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
