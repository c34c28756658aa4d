import { useState } from 'react';
import {
  Badge,
  Button,
  Code,
  Group,
  Modal,
  MultiSelect,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { ShownOnceSecretModal } from '../../components/ShownOnceSecretModal.tsx';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import type { EmployeeRole } from '../../../contracts/employees.ts';
import { errorMessage, fieldErrorsOf } from '../../api/client.ts';
import { useApiKeys, useCreateApiKey, useRevokeApiKey, type ApiKeyCreatedInfo } from '../../api/employees.ts';
import {
  Empty,
  ErrorAlert,
  DateTime,
  formatDateTime,
  PageHeader,
  PageLoader,
  StatusBadge,
} from '../../components/ui.tsx';
import { employeeRoleOptions } from '../employees/EmployeesPage.tsx';

export function ApiKeysPage() {
  const keys = useApiKeys();
  const revoke = useRevokeApiKey();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<ApiKeyCreatedInfo | null>(null);

  return (
    <>
      <PageHeader
        title="API keys"
        subtitle="Keys for integrations (ERP, web store, marketing tools)"
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
            New API key
          </Button>
        }
      />
      <Paper withBorder p="md" radius="md">
        {keys.isPending ? <PageLoader /> : null}
        {keys.isError ? <ErrorAlert error={keys.error} /> : null}
        {keys.data?.length === 0 ? <Empty>No API keys yet.</Empty> : null}
        {keys.data && keys.data.length > 0 ? (
          <Table.ScrollContainer minWidth={720}>
            <Table verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Key</Table.Th>
                  <Table.Th>Roles</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {keys.data.map((k) => (
                  <Table.Tr key={k.id} style={{ opacity: k.revokedAt ? 0.6 : 1 }}>
                    <Table.Td fw={500}>{k.name}</Table.Td>
                    <Table.Td>
                      <Code>{k.prefix}…</Code>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {k.roles.map((r) => (
                          <Badge key={r} size="sm" variant="light">
                            {r}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <DateTime iso={k.createdAt} />
                    </Table.Td>
                    <Table.Td>
                      <DateTime iso={k.lastUsedAt} />
                    </Table.Td>
                    <Table.Td>
                      {k.revokedAt ? (
                        <Stack gap={0}>
                          <StatusBadge status="revoked" />
                          <Text size="xs" c="dimmed">
                            {formatDateTime(k.revokedAt)}
                          </Text>
                        </Stack>
                      ) : (
                        <StatusBadge status="active" />
                      )}
                    </Table.Td>
                    <Table.Td ta="right">
                      {!k.revokedAt ? (
                        <Button
                          size="xs"
                          variant="light"
                          color="red"
                          aria-label={`Revoke ${k.name}`}
                          onClick={() =>
                            modals.openConfirmModal({
                              title: `Revoke “${k.name}”?`,
                              children: (
                                <Text size="sm">
                                  Integrations using this key stop working at once. This cannot be undone.
                                </Text>
                              ),
                              labels: { confirm: 'Revoke', cancel: 'Cancel' },
                              confirmProps: { color: 'red' },
                              onConfirm: () =>
                                revoke.mutate(k.id, {
                                  onSuccess: () =>
                                    notifications.show({
                                      color: 'green',
                                      message: `Key “${k.name}” revoked`,
                                    }),
                                  onError: (e) =>
                                    notifications.show({ color: 'red', message: errorMessage(e) }),
                                }),
                            })
                          }
                        >
                          Revoke
                        </Button>
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
      </Paper>
      {creating ? (
        <CreateKeyDialog
          onClose={() => setCreating(false)}
          onCreated={(k) => {
            setCreating(false);
            setCreated(k);
          }}
        />
      ) : null}
      <ShownOnceSecretModal
        value={created?.key ?? null}
        title="Your new API key"
        warning="Copy the key now and store it somewhere safe. It is shown only once; if you lose it, revoke it and create a new one."
        copyLabel="Copy key"
        testId="api-key-value"
        onDone={() => setCreated(null)}
      />
    </>
  );
}

function CreateKeyDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (k: ApiKeyCreatedInfo) => void;
}) {
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<EmployeeRole[]>([]);
  const create = useCreateApiKey();
  const errors = fieldErrorsOf(create.error);
  return (
    <Modal opened onClose={onClose} title="New API key">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ name: name.trim(), roles }, { onSuccess: onCreated });
        }}
      >
        <Stack>
          <TextInput
            label="Name"
            description="What uses the key, e.g. “ERP sync”"
            required
            data-autofocus
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
          />
          <MultiSelect
            label="Roles"
            description="What the key may do"
            required
            labelProps={{ className: 'required-label' }}
            searchable
            data={employeeRoleOptions}
            value={roles}
            onChange={(v) => setRoles(v)}
            error={errors.roles}
            comboboxProps={{ withinPortal: true }}
          />
          {create.isError && Object.keys(errors).length === 0 ? <ErrorAlert error={create.error} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create key
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
