import { useState } from 'react';
import {
  Badge,
  Button,
  Checkbox,
  Code,
  Group,
  Modal,
  MultiSelect,
  Paper,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { ShownOnceSecretModal } from '../../components/ShownOnceSecretModal.tsx';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { EventType } from '../../../contracts/events.ts';
import type { WebhookDelivery, WebhookEndpoint, WebhookWithSecret } from '../../../contracts/webhooks.ts';
import { errorMessage, fieldErrorsOf } from '../../api/client.ts';
import {
  useDeleteWebhook,
  useResendWebhookDelivery,
  useRotateWebhookSecret,
  useSaveWebhook,
  useSendTestWebhook,
  useWebhookDeliveries,
  useWebhooks,
} from '../../api/webhooks.ts';
import { DateTime, Empty, ErrorAlert, PageLoader, StatusBadge } from '../../components/ui.tsx';

const EVENT_OPTIONS = [
  { value: '*', label: 'All events (*)' },
  ...EventType.options.map((t) => ({ value: t, label: t })),
];

/** Settings → Integrations: webhook endpoints, their secrets (shown once) and delivery logs. */
export function IntegrationsSettings() {
  const webhooks = useWebhooks();
  const [editing, setEditing] = useState<WebhookEndpoint | 'new' | null>(null);
  const [secret, setSecret] = useState<WebhookWithSecret | null>(null);
  const [logOf, setLogOf] = useState<string | null>(null);
  const rotate = useRotateWebhookSecret();
  const test = useSendTestWebhook();
  const remove = useDeleteWebhook();
  const endpoints = webhooks.data?.items ?? [];

  return (
    <Stack>
      <Paper withBorder p="md" radius="md">
        <Group justify="space-between" mb="sm">
          <div>
            <Title order={3} size="h4">
              Webhooks
            </Title>
            <Text size="sm" c="dimmed">
              Signed HTTP callbacks (Standard Webhooks) for account and contact events, with retries.
            </Text>
          </div>
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')}>
            Add endpoint
          </Button>
        </Group>
        {webhooks.isPending ? <PageLoader /> : null}
        {webhooks.isError ? <ErrorAlert error={webhooks.error} /> : null}
        {webhooks.data && endpoints.length === 0 ? <Empty>No webhook endpoints yet.</Empty> : null}
        {endpoints.length > 0 ? (
          <Table.ScrollContainer minWidth={720}>
            <Table verticalSpacing="xs" aria-label="Webhook endpoints">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>URL</Table.Th>
                  <Table.Th>Events</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {endpoints.map((w) => (
                  <Table.Tr key={w.id}>
                    <Table.Td>
                      <Text size="sm" fw={500} style={{ wordBreak: 'break-all' }}>
                        {w.url}
                      </Text>
                      {w.description ? (
                        <Text size="xs" c="dimmed">
                          {w.description}
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {w.eventTypes.map((t) => (
                          <Badge key={t} size="sm" variant="light">
                            {t}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={w.enabled ? 'active' : 'disabled'} />
                      {w.disabledReason ? (
                        <Text size="xs" c="dimmed">
                          {w.disabledReason}
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={6} justify="flex-end" wrap="nowrap">
                        <Button size="xs" variant="light" onClick={() => setLogOf(w.id)}>
                          Deliveries
                        </Button>
                        <Button
                          size="xs"
                          variant="light"
                          loading={test.isPending && test.variables === w.id}
                          disabled={!w.enabled}
                          onClick={() =>
                            test.mutate(w.id, {
                              onSuccess: () => {
                                notifications.show({ color: 'green', message: 'Test event queued' });
                                setLogOf(w.id);
                              },
                              onError: (e) => notifications.show({ color: 'red', message: errorMessage(e) }),
                            })
                          }
                        >
                          Send test event
                        </Button>
                        <Button size="xs" variant="default" onClick={() => setEditing(w)}>
                          Edit
                        </Button>
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() =>
                            modals.openConfirmModal({
                              title: 'Rotate the signing secret?',
                              children: (
                                <Text size="sm">
                                  A new secret is shown once. The current one keeps signing beside it for a
                                  while, so the receiver can switch without missing a delivery.
                                </Text>
                              ),
                              labels: { confirm: 'Rotate', cancel: 'Cancel' },
                              onConfirm: () =>
                                rotate.mutate(w.id, {
                                  onSuccess: setSecret,
                                  onError: (e) =>
                                    notifications.show({ color: 'red', message: errorMessage(e) }),
                                }),
                            })
                          }
                        >
                          Rotate secret
                        </Button>
                        <Button
                          size="xs"
                          variant="light"
                          color="red"
                          aria-label={`Delete ${w.url}`}
                          onClick={() =>
                            modals.openConfirmModal({
                              title: 'Delete this endpoint?',
                              children: <Text size="sm">Its delivery log is deleted with it.</Text>,
                              labels: { confirm: 'Delete', cancel: 'Cancel' },
                              confirmProps: { color: 'red' },
                              onConfirm: () =>
                                remove.mutate(w.id, {
                                  onSuccess: () => setLogOf((id) => (id === w.id ? null : id)),
                                  onError: (e) =>
                                    notifications.show({ color: 'red', message: errorMessage(e) }),
                                }),
                            })
                          }
                        >
                          Delete
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
      </Paper>
      {logOf ? <DeliveryLog id={logOf} url={endpoints.find((w) => w.id === logOf)?.url ?? ''} /> : null}
      {editing ? (
        <EndpointDialog
          endpoint={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onCreated={(w) => {
            setEditing(null);
            setSecret(w);
          }}
        />
      ) : null}
      <ShownOnceSecretModal
        value={secret?.secret ?? null}
        title="Signing secret"
        warning="Copy the secret now and give it to the receiver. It is shown only once; if it is lost, rotate it."
        copyLabel="Copy secret"
        testId="webhook-secret"
        onDone={() => setSecret(null)}
      />
    </Stack>
  );
}

function EndpointDialog({
  endpoint,
  onClose,
  onCreated,
}: {
  endpoint: WebhookEndpoint | null;
  onClose: () => void;
  onCreated: (w: WebhookWithSecret) => void;
}) {
  const [url, setUrl] = useState(endpoint?.url ?? '');
  const [description, setDescription] = useState(endpoint?.description ?? '');
  const [eventTypes, setEventTypes] = useState<string[]>(endpoint?.eventTypes ?? ['*']);
  const [enabled, setEnabled] = useState(endpoint?.enabled ?? true);
  const save = useSaveWebhook();
  const errors = fieldErrorsOf(save.error);
  return (
    <Modal opened onClose={onClose} title={endpoint ? 'Edit endpoint' : 'Add webhook endpoint'} size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const body = {
            url: url.trim(),
            description: description.trim() || null,
            eventTypes: eventTypes as never,
            enabled,
          };
          save.mutate(endpoint ? { id: endpoint.id, body } : { id: null, body }, {
            onSuccess: (w) => {
              if ('secret' in w) onCreated(w);
              else {
                notifications.show({ color: 'green', message: 'Endpoint saved' });
                onClose();
              }
            },
          });
        }}
      >
        <Stack>
          <TextInput
            label="URL"
            description="Where events are POSTed (https://…)"
            required
            data-autofocus
            value={url}
            onChange={(e) => setUrl(e.currentTarget.value)}
            error={errors.url}
          />
          <TextInput
            label="Description"
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            error={errors.description}
          />
          <MultiSelect
            label="Events"
            required
            labelProps={{ className: 'required-label' }}
            data={EVENT_OPTIONS}
            value={eventTypes}
            onChange={setEventTypes}
            error={errors.eventTypes}
            comboboxProps={{ withinPortal: true }}
          />
          <Switch label="Enabled" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
          {save.isError && Object.keys(errors).length === 0 ? <ErrorAlert error={save.error} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {endpoint ? 'Save' : 'Add endpoint'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DeliveryLog({ id, url }: { id: string; url: string }) {
  const deliveries = useWebhookDeliveries(id);
  const resend = useResendWebhookDelivery();
  const [open, setOpen] = useState<WebhookDelivery | null>(null);
  const [onlyFailed, setOnlyFailed] = useState(false);
  const items = (deliveries.data?.items ?? []).filter((d) => !onlyFailed || d.status === 'failed');
  return (
    <Paper withBorder p="md" radius="md">
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h4">
          Delivery log{' '}
          <Text span size="sm" c="dimmed">
            {url}
          </Text>
        </Title>
        <Checkbox
          label="Failed only"
          checked={onlyFailed}
          onChange={(e) => setOnlyFailed(e.currentTarget.checked)}
        />
      </Group>
      {deliveries.isPending ? <PageLoader /> : null}
      {deliveries.isError ? <ErrorAlert error={deliveries.error} /> : null}
      {deliveries.data && items.length === 0 ? <Empty>No deliveries yet.</Empty> : null}
      {items.length > 0 ? (
        <Table.ScrollContainer minWidth={720}>
          <Table verticalSpacing="xs" aria-label="Deliveries">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Event</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Attempts</Table.Th>
                <Table.Th>Last answer</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((d) => (
                <Table.Tr key={d.id}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {d.type}
                    </Text>
                    <Code fz="xs">{d.id}</Code>
                  </Table.Td>
                  <Table.Td>
                    <DateTime iso={d.createdAt} />
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={d.status} />
                  </Table.Td>
                  <Table.Td>{d.attemptLog.length}</Table.Td>
                  <Table.Td>
                    <Text size="sm">{d.lastStatus ?? d.lastError ?? '—'}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={6} justify="flex-end" wrap="nowrap">
                      <Button size="xs" variant="default" onClick={() => setOpen(d)}>
                        Details
                      </Button>
                      <Button
                        size="xs"
                        variant="light"
                        disabled={d.status === 'pending' || d.status === 'sending'}
                        loading={resend.isPending && resend.variables?.deliveryId === d.id}
                        onClick={() =>
                          resend.mutate(
                            { id, deliveryId: d.id },
                            {
                              onSuccess: () =>
                                notifications.show({ color: 'green', message: 'Delivery re-sent' }),
                              onError: (e) => notifications.show({ color: 'red', message: errorMessage(e) }),
                            },
                          )
                        }
                      >
                        Re-send
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      <Modal
        opened={!!open}
        onClose={() => setOpen(null)}
        title={open ? `${open.type} — attempts` : ''}
        size="xl"
      >
        <Stack>
          {open?.attemptLog.length === 0 ? <Empty>Not attempted yet.</Empty> : null}
          {open?.attemptLog.map((a) => (
            <Paper key={`${a.attempt}-${a.at}`} withBorder p="sm">
              <Text size="sm" fw={500}>
                Attempt {a.attempt} · <DateTime iso={a.at} /> · {a.responseStatus ?? a.error} · {a.durationMs}{' '}
                ms
              </Text>
              <Text size="xs" c="dimmed" mt="xs">
                Request
              </Text>
              <Code block fz="xs">
                {Object.entries(a.requestHeaders)
                  .map(([k, v]) => `${k}: ${v}`)
                  .join('\n')}
                {'\n\n'}
                {a.requestBody}
              </Code>
              <Text size="xs" c="dimmed" mt="xs">
                Response
              </Text>
              <Code block fz="xs">
                {a.responseBody || '(empty)'}
              </Code>
            </Paper>
          ))}
        </Stack>
      </Modal>
    </Paper>
  );
}
