import {
  AppShell,
  Burger,
  Button,
  Center,
  Group,
  Loader,
  NavLink,
  Stack,
  Text,
  Title,
  type NavLinkProps,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconBuilding,
  IconFileImport,
  IconHistory,
  IconKey,
  IconLogout,
  IconMail,
  IconSettings,
  IconTemplate,
  IconShieldCheck,
  IconUserCheck,
  IconUsers,
  IconUserShield,
  IconUsersGroup,
  IconWebhook,
} from '@tabler/icons-react';
import { createLink, Outlet, useRouter, useRouterState } from '@tanstack/react-router';
import { useEffect, useRef, type AnchorHTMLAttributes, type ComponentType, type Ref } from 'react';
import { useCan, useSession, useSignOut, type Permission } from '../api/session.ts';
import { ErrorAlert } from '../components/ui.tsx';
import { ApprovalsNavBadge } from './approvals/ApprovalsNavBadge.tsx';

interface NavItem {
  to:
    | '/accounts'
    | '/contacts'
    | '/approvals'
    | '/imports'
    | '/employees'
    | '/roles'
    | '/customer-groups'
    | '/api-keys'
    | '/emails'
    | '/email-templates'
    | '/settings'
    | '/settings/integrations'
    | '/audit';
  label: string;
  icon: ComponentType<{ size?: number; stroke?: number }>;
  permission: Permission;
  /** Hidden from those holding this: they reach the page another way. */
  unless?: Permission;
}

const RouterNavLink = createLink(
  (props: NavLinkProps & AnchorHTMLAttributes<HTMLAnchorElement> & { ref?: Ref<HTMLAnchorElement> }) => (
    <NavLink component="a" {...props} />
  ),
);

const NAV: NavItem[] = [
  { to: '/accounts', label: 'Accounts', icon: IconBuilding, permission: 'accounts.read' },
  { to: '/contacts', label: 'Contacts', icon: IconUsers, permission: 'contacts.read' },
  { to: '/approvals', label: 'Approvals', icon: IconUserCheck, permission: 'approvals.manage' },
  { to: '/imports', label: 'Imports', icon: IconFileImport, permission: 'imports.read' },
  { to: '/employees', label: 'Employees', icon: IconUserShield, permission: 'employees.read' },
  { to: '/roles', label: 'Roles & group roles', icon: IconShieldCheck, permission: 'roles.read' },
  {
    to: '/customer-groups',
    label: 'Customer groups',
    icon: IconUsersGroup,
    permission: 'customerGroups.read',
  },
  { to: '/api-keys', label: 'API keys', icon: IconKey, permission: 'apiKeys.manage' },
  { to: '/emails', label: 'Email log', icon: IconMail, permission: 'emails.read' },
  { to: '/email-templates', label: 'Email templates', icon: IconTemplate, permission: 'emailTemplates.read' },
  { to: '/audit', label: 'Audit log', icon: IconHistory, permission: 'audit.read' },
  { to: '/settings', label: 'Settings', icon: IconSettings, permission: 'settings.read' },
  // For integrationsManage: Settings → Integrations without the rest of Settings (settings.read).
  {
    to: '/settings/integrations',
    label: 'Integrations',
    icon: IconWebhook,
    permission: 'webhooks.manage',
    unless: 'settings.read',
  },
];

export function PortalLayout() {
  const session = useSession();
  const can = useCan();
  const signOut = useSignOut();
  const [opened, { toggle, close }] = useDisclosure();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const router = useRouter();
  const signedOut = session.isSuccess && !session.data;
  const redirected = useRef(false);

  // Once, not on every render: the location changes while the redirect resolves.
  useEffect(() => {
    if (!signedOut || redirected.current) return;
    redirected.current = true;
    // After "Sign out" there is no page to come back to; after an expired session there is.
    const href = signOut.isIdle ? router.state.location.href : '/';
    void router.navigate({
      to: '/sign-in',
      search: { redirect: href === '/' || href.startsWith('/sign-in') ? undefined : href },
      replace: true,
    });
  }, [signedOut, router, signOut.isIdle]);

  if (session.isPending || !session.data) {
    if (session.isError) {
      return (
        <Center h="100vh" p="md">
          <ErrorAlert error={session.error} />
        </Center>
      );
    }
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }

  const { employee } = session.data;
  const items = NAV.filter((n) => can(n.permission) && !(n.unless && can(n.unless)));

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 232, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <Title order={4} c="indigo.7">
              Clientele
            </Title>
            <Text size="sm" c="dimmed" visibleFrom="xs">
              Operations Portal
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Stack gap={0} align="flex-end" visibleFrom="sm" data-testid="signed-in-as">
              <Text size="sm" fw={500} lh={1.2}>
                {employee.name ?? employee.email}
              </Text>
              {employee.name ? (
                <Text size="xs" c="dimmed" lh={1.2}>
                  {employee.email}
                </Text>
              ) : null}
            </Stack>
            <Button
              variant="subtle"
              color="gray"
              size="xs"
              leftSection={<IconLogout size={16} />}
              loading={signOut.isPending}
              onClick={() => signOut.mutate()}
            >
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation">
        <nav>
          {items.map((item) => (
            <RouterNavLink
              key={item.to}
              to={item.to}
              label={item.label}
              leftSection={<item.icon size={18} stroke={1.6} />}
              rightSection={item.to === '/approvals' ? <ApprovalsNavBadge /> : undefined}
              active={pathname === item.to || pathname.startsWith(item.to + '/')}
              onClick={close}
              style={{ borderRadius: 'var(--mantine-radius-sm)' }}
            />
          ))}
        </nav>
      </AppShell.Navbar>
      <AppShell.Main bg="gray.0">
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
