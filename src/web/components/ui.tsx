import type { ReactNode } from 'react';
import { Alert, Badge, Button, Center, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { IconAlertCircle, IconCircleCheck } from '@tabler/icons-react';
import { errorMessage, isApiError } from '../api/client.ts';

export function PageHeader({
  title,
  subtitle,
  actions,
}: {
  title: ReactNode;
  subtitle?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <Group justify="space-between" align="flex-end" mb="md" wrap="wrap" gap="sm">
      <Stack gap={2}>
        <Title order={2}>{title}</Title>
        {subtitle ? (
          <Text c="dimmed" size="sm">
            {subtitle}
          </Text>
        ) : null}
      </Stack>
      {actions ? <Group gap="xs">{actions}</Group> : null}
    </Group>
  );
}

export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const forbidden = isApiError(error) && error.status === 403;
  return (
    <Alert
      color="red"
      icon={<IconAlertCircle size={18} />}
      title={title ?? (forbidden ? 'Not allowed' : 'Something went wrong')}
    >
      {forbidden ? 'You do not have permission to see this.' : errorMessage(error)}
    </Alert>
  );
}

export function PageLoader() {
  return (
    <Center mih={200}>
      <Loader aria-label="Loading" />
    </Center>
  );
}

/** "Load more" for cursor-paged lists. */
export function LoadMore({
  hasNextPage,
  isFetchingNextPage,
  fetchNextPage,
  shown,
}: {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
  shown: number;
}) {
  return (
    <Group justify="space-between" mt="sm">
      <Text size="sm" c="dimmed">
        {shown === 1 ? '1 shown' : `${shown} shown`}
      </Text>
      {hasNextPage ? (
        <Button variant="default" size="xs" loading={isFetchingNextPage} onClick={() => void fetchNextPage()}>
          Load more
        </Button>
      ) : null}
    </Group>
  );
}

const statusColors: Record<string, string> = {
  active: 'green',
  pending: 'yellow',
  disabled: 'gray',
  sent: 'green',
  captured: 'blue',
  queued: 'yellow',
  sending: 'yellow',
  failed: 'red',
  revoked: 'gray',
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge
      variant="light"
      color={statusColors[status] ?? 'gray'}
      radius="sm"
      style={{ minWidth: 'max-content' }}
    >
      {status}
    </Badge>
  );
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const formatDateTime = (iso: string | null | undefined) => (iso ? dateFmt.format(new Date(iso)) : '—');

/** A date-time that does not wrap inside table cells. */
export const DateTime = ({ iso }: { iso: string | null | undefined }) => (
  <span style={{ whiteSpace: 'nowrap' }}>{formatDateTime(iso)}</span>
);

/** A small label/value list for details panels. */
export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children ?? '—'}
      </Text>
    </Stack>
  );
}

export const Empty = ({ children }: { children: ReactNode }) => (
  <Text c="dimmed" size="sm" ta="center" py="lg">
    {children}
  </Text>
);

/** The outcome of a finished form (password set, account active): a ticked title and what to do next. */
export function SuccessMessage({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Stack align="flex-start">
      <Title order={2}>
        <IconCircleCheck
          size={28}
          color="var(--mantine-color-green-6)"
          style={{ verticalAlign: 'text-bottom' }}
        />{' '}
        {title}
      </Title>
      {children}
    </Stack>
  );
}
