import { Alert, Badge, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCloudUpload } from '@tabler/icons-react';
import type { Account, ErpSyncState } from '../../../contracts/accounts.ts';
import { useAccountOrders, usePushToErp } from '../../api/erp.ts';
import { formatAmount } from '../../api/invoices.ts';
import { useCan } from '../../api/session.ts';
import { ErrorAlert } from '../../components/ui.tsx';

export const ERP_SYNC_LABELS: Record<ErpSyncState, { label: string; color: string }> = {
  'not-synced': { label: 'Not in the ERP', color: 'gray' },
  queued: { label: 'Push queued', color: 'blue' },
  synced: { label: 'In the ERP', color: 'teal' },
  failed: { label: 'Push failed', color: 'red' },
};

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Where the account stands with the ERP, the push button, and the last orders. */
export function ErpCard({ account: a }: { account: Account }) {
  const can = useCan();
  const push = usePushToErp(a.id);
  const orders = useAccountOrders(a.id);
  const state = ERP_SYNC_LABELS[a.erpSync.state];
  const again = a.erpSync.state === 'failed' || a.erpSync.state === 'synced';
  return (
    <Paper withBorder p="md" radius="md">
      <Group justify="space-between" align="flex-start" mb="sm">
        <Stack gap={4}>
          <Title order={4}>ERP</Title>
          <Group gap="xs">
            <Badge variant="light" color={state.color} radius="sm" data-testid="erp-sync-state">
              {state.label}
            </Badge>
            <Text size="sm">
              ERP number:{' '}
              <Text span ff="monospace" fz="sm">
                {a.erpNumber ?? '—'}
              </Text>
            </Text>
            {a.erpSync.syncedAt ? (
              <Text size="xs" c="dimmed">
                synced {dateTime.format(new Date(a.erpSync.syncedAt))}
              </Text>
            ) : null}
            {a.erpSync.attempts > 0 ? (
              <Text size="xs" c="dimmed">
                {a.erpSync.attempts} push{a.erpSync.attempts === 1 ? '' : 'es'}
              </Text>
            ) : null}
          </Group>
        </Stack>
        {can('accounts.write') && a.erpSync.state !== 'queued' ? (
          <Button
            variant="default"
            size="xs"
            leftSection={<IconCloudUpload size={16} />}
            loading={push.isPending}
            onClick={() =>
              push.mutate(undefined, {
                onSuccess: () => notifications.show({ color: 'green', message: 'Push to the ERP queued' }),
              })
            }
          >
            {again ? 'Push again' : 'Push to ERP'}
          </Button>
        ) : null}
      </Group>
      {push.isError ? <ErrorAlert error={push.error} /> : null}
      {a.erpSync.lastError ? (
        <Alert color="red" variant="light" title="Last error" mb="sm">
          {a.erpSync.lastError}
        </Alert>
      ) : null}
      <Title order={5} mb={4}>
        Last orders
      </Title>
      {orders.isError ? <ErrorAlert error={orders.error} /> : null}
      {orders.data && orders.data.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No orders yet.
        </Text>
      ) : null}
      {orders.data && orders.data.items.length > 0 ? (
        <Table.ScrollContainer minWidth={420}>
          <Table verticalSpacing="xs" aria-label="Last orders">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Number</Table.Th>
                <Table.Th>Placed</Table.Th>
                <Table.Th ta="right">Total</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {orders.data.items.map((o) => (
                <Table.Tr key={o.id}>
                  <Table.Td ff="monospace" fz="sm">
                    {o.number}
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    {dateTime.format(new Date(o.placedAt))}
                  </Table.Td>
                  <Table.Td ta="right" style={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }}>
                    {formatAmount(o.total, o.currency)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
    </Paper>
  );
}
