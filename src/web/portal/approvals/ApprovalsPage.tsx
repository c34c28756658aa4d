import { Alert, Anchor, Badge, Group, Paper, SimpleGrid, Stack, Text, Title, Tooltip } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck } from '@tabler/icons-react';
import { useApprovals, type Approval } from '../../api/approvals.ts';
import { AddressText } from '../../components/AddressText.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { ErrorAlert, formatDateTime, PageHeader, PageLoader } from '../../components/ui.tsx';
import { ApprovalActions } from './ApprovalActions.tsx';

/** "12 min", "3 h", "2 days": how long a request has waited, as a person would say it. */
export function formatWaiting(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}

export function ApprovalsPage() {
  const approvals = useApprovals();
  const items = approvals.data?.items ?? [];
  const count = approvals.data?.count ?? 0;
  return (
    <>
      <PageHeader
        title="Approvals"
        subtitle="Accounts created on the storefront that wait for your decision; the longest waiting first"
      />
      {approvals.isPending ? <PageLoader /> : null}
      {approvals.isError ? <ErrorAlert error={approvals.error} /> : null}
      {approvals.isSuccess && items.length === 0 ? (
        <Paper withBorder p="xl" radius="md">
          <Stack align="center" gap={4}>
            <IconCircleCheck size={32} color="var(--mantine-color-green-6)" />
            <Text fw={600}>No requests waiting</Text>
            <Text size="sm" c="dimmed" ta="center">
              New sign-ups that need approval appear here. Whether they do is set under Settings → Customer
              data.
            </Text>
          </Stack>
        </Paper>
      ) : null}
      <Stack gap="md">
        {items.map((item) => (
          <ApprovalCard key={item.account.id} item={item} />
        ))}
      </Stack>
      {count > items.length ? (
        <Text size="sm" c="dimmed" mt="sm">
          {items.length} of {count} requests shown; decide these to see the rest.
        </Text>
      ) : null}
    </>
  );
}

function ApprovalCard({ item }: { item: Approval }) {
  const { account, contacts, suspectedDuplicates: duplicates } = item;
  const personal = account.kind === 'personal';
  const address = account.billingAddress;
  return (
    <Paper
      withBorder
      p="md"
      radius="md"
      component="section"
      aria-label={`Request from ${account.name}`}
      data-testid="approval-request"
    >
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm" mb="sm">
        <Stack gap={2}>
          <Group gap="xs">
            <Title order={4}>
              <AnchorLink to="/accounts/$accountId" params={{ accountId: account.id }} c="inherit">
                {personal ? 'Personal account' : account.name}
              </AnchorLink>
            </Title>
            <Badge variant="light" color={personal ? 'grape' : 'blue'} radius="sm">
              {personal ? 'Personal' : 'Business'}
            </Badge>
          </Group>
          <Text size="sm" c="dimmed">
            {personal ? `${account.name} · ` : ''}
            {account.number} ·{' '}
            <Tooltip label={`Requested ${formatDateTime(account.createdAt)}`}>
              <span>waiting {formatWaiting(item.waitingSeconds)}</span>
            </Tooltip>
          </Text>
        </Stack>
        <ApprovalActions account={account} />
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
        <Stack gap={6}>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            {contacts.length === 1 ? 'Contact' : 'Contacts'}
          </Text>
          {contacts.length === 0 ? (
            <Text size="sm" c="dimmed">
              No contacts
            </Text>
          ) : null}
          {contacts.map((c) => (
            <div key={c.id}>
              <Text size="sm" fw={500}>
                {`${c.firstName} ${c.lastName}`.trim()}
              </Text>
              <Text size="sm">
                <Anchor href={`mailto:${c.email}`} size="sm">
                  {c.email}
                </Anchor>
                {c.phone ? ` · ${c.phone}` : ''}
              </Text>
            </div>
          ))}
        </Stack>
        <Stack gap={6}>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            Billing address
          </Text>
          {address ? (
            <AddressText address={address} />
          ) : (
            <Text size="sm" c="dimmed">
              None given
            </Text>
          )}
        </Stack>
      </SimpleGrid>
      {duplicates.length > 0 ? (
        <Alert
          mt="md"
          color="yellow"
          variant="light"
          icon={<IconAlertTriangle size={18} />}
          title={duplicates.length === 1 ? 'Maybe an existing customer' : 'Maybe existing customers'}
          styles={{ title: { marginBottom: 4 } }}
        >
          <Stack gap={2}>
            {duplicates.map((d) => (
              <Text size="sm" key={d.accountId}>
                <AnchorLink to="/accounts/$accountId" params={{ accountId: d.accountId }} size="sm" fw={500}>
                  {d.name} ({d.number})
                </AnchorLink>{' '}
                — {d.reason.toLowerCase()}
              </Text>
            ))}
          </Stack>
        </Alert>
      ) : null}
    </Paper>
  );
}
