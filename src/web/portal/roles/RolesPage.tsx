import { useState } from 'react';
import {
  Badge,
  Button,
  Group,
  Modal,
  MultiSelect,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import type { GroupRole, Role } from '../../../contracts/roles.ts';
import { errorMessage, fieldErrorsOf, isApiError } from '../../api/client.ts';
import {
  useDeleteGroupRole,
  useDeleteRole,
  useGroupRoles,
  useRoles,
  useSaveGroupRole,
  useSaveRole,
} from '../../api/roles.ts';
import { useCan } from '../../api/session.ts';
import { RowActions } from '../../components/RowActions.tsx';
import { Empty, ErrorAlert, PageHeader, PageLoader } from '../../components/ui.tsx';

export function RolesPage() {
  return (
    <>
      <PageHeader title="Roles & group roles" subtitle="Storefront permissions that contacts hold" />
      <Stack gap="lg">
        <RolesTable />
        <GroupRolesTable />
      </Stack>
    </>
  );
}

function confirmDelete(what: string, onConfirm: () => void) {
  modals.openConfirmModal({
    title: `Delete ${what}?`,
    children: <Text size="sm">This cannot be undone.</Text>,
    labels: { confirm: 'Delete', cancel: 'Cancel' },
    confirmProps: { color: 'red' },
    onConfirm,
  });
}

function deleteFailed(e: unknown, what: string) {
  notifications.show({
    color: 'red',
    title: `Could not delete ${what}`,
    message:
      isApiError(e) && e.code === 'conflict'
        ? `${errorMessage(e)} Remove it from contacts first.`
        : errorMessage(e),
  });
}

function RolesTable() {
  const can = useCan();
  const roles = useRoles();
  const del = useDeleteRole();
  const [editing, setEditing] = useState<Role | 'new' | null>(null);
  const canWrite = can('roles.write');

  return (
    <Paper withBorder p="md" radius="md">
      <Group justify="space-between" mb="sm">
        <Title order={3}>Roles</Title>
        {canWrite ? (
          <Button size="sm" leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')}>
            New role
          </Button>
        ) : null}
      </Group>
      {roles.isPending ? <PageLoader /> : null}
      {roles.isError ? <ErrorAlert error={roles.error} /> : null}
      {roles.data?.length === 0 ? <Empty>No roles yet.</Empty> : null}
      {roles.data && roles.data.length > 0 ? (
        <Table.ScrollContainer minWidth={520}>
          <Table verticalSpacing="xs" aria-label="Roles">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Key</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Description</Table.Th>
                {canWrite ? <Table.Th w={90} /> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {roles.data.map((r) => (
                <Table.Tr key={r.key}>
                  <Table.Td ff="monospace">{r.key}</Table.Td>
                  <Table.Td>{r.name}</Table.Td>
                  <Table.Td c="dimmed">{r.description ?? ''}</Table.Td>
                  {canWrite ? (
                    <Table.Td>
                      <RowActions
                        what={`role ${r.key}`}
                        onEdit={() => setEditing(r)}
                        onDelete={() =>
                          confirmDelete(`role ${r.key}`, () =>
                            del.mutate(r.key, {
                              onSuccess: () =>
                                notifications.show({ color: 'green', message: `Role ${r.key} deleted` }),
                              onError: (e) => deleteFailed(e, `role ${r.key}`),
                            }),
                          )
                        }
                      />
                    </Table.Td>
                  ) : null}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {editing ? (
        <RoleDialog role={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />
      ) : null}
    </Paper>
  );
}

function RoleDialog({ role, onClose }: { role: Role | null; onClose: () => void }) {
  const [form, setForm] = useState({
    key: role?.key ?? '',
    name: role?.name ?? '',
    description: role?.description ?? '',
  });
  const save = useSaveRole();
  const errors = fieldErrorsOf(save.error);
  const conflict = isApiError(save.error) && save.error.code === 'conflict';
  return (
    <Modal opened onClose={onClose} title={role ? `Edit role ${role.key}` : 'New role'}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(
            {
              existingKey: role?.key ?? null,
              input: {
                key: form.key.trim(),
                name: form.name.trim(),
                description: form.description.trim() || null,
              },
            },
            {
              onSuccess: () => {
                notifications.show({ color: 'green', message: `Role ${form.key} saved` });
                onClose();
              },
            },
          );
        }}
      >
        <Stack>
          <TextInput
            label="Key"
            description="Letters, digits, dot, dash or underscore; cannot be changed later"
            required
            disabled={!!role}
            data-autofocus
            value={form.key}
            onChange={(e) => setForm({ ...form, key: e.currentTarget.value })}
            error={errors.key ?? (conflict ? errorMessage(save.error) : undefined)}
          />
          <TextInput
            label="Name"
            required
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
            error={errors.name}
          />
          <Textarea
            label="Description"
            autosize
            minRows={2}
            value={form.description}
            onChange={(e) => setForm({ ...form, description: e.currentTarget.value })}
            error={errors.description}
          />
          {save.isError && Object.keys(errors).length === 0 && !conflict ? (
            <ErrorAlert error={save.error} />
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function GroupRolesTable() {
  const can = useCan();
  const groupRoles = useGroupRoles();
  const del = useDeleteGroupRole();
  const [editing, setEditing] = useState<GroupRole | 'new' | null>(null);
  const canWrite = can('roles.write');

  return (
    <Paper withBorder p="md" radius="md">
      <Group justify="space-between" mb="sm">
        <Stack gap={0}>
          <Title order={3}>Group roles</Title>
          <Text size="sm" c="dimmed">
            Named bundles of roles
          </Text>
        </Stack>
        {canWrite ? (
          <Button size="sm" leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')}>
            New group role
          </Button>
        ) : null}
      </Group>
      {groupRoles.isPending ? <PageLoader /> : null}
      {groupRoles.isError ? <ErrorAlert error={groupRoles.error} /> : null}
      {groupRoles.data?.length === 0 ? <Empty>No group roles yet.</Empty> : null}
      {groupRoles.data && groupRoles.data.length > 0 ? (
        <Table.ScrollContainer minWidth={520}>
          <Table verticalSpacing="xs" aria-label="Group roles">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Key</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Roles</Table.Th>
                {canWrite ? <Table.Th w={90} /> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {groupRoles.data.map((g) => (
                <Table.Tr key={g.key}>
                  <Table.Td ff="monospace">{g.key}</Table.Td>
                  <Table.Td>{g.name}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {g.roles.map((r) => (
                        <Badge key={r} size="sm" variant="light">
                          {r}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  {canWrite ? (
                    <Table.Td>
                      <RowActions
                        what={`group role ${g.key}`}
                        onEdit={() => setEditing(g)}
                        onDelete={() =>
                          confirmDelete(`group role ${g.key}`, () =>
                            del.mutate(g.key, {
                              onSuccess: () =>
                                notifications.show({
                                  color: 'green',
                                  message: `Group role ${g.key} deleted`,
                                }),
                              onError: (e) => deleteFailed(e, `group role ${g.key}`),
                            }),
                          )
                        }
                      />
                    </Table.Td>
                  ) : null}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {editing ? (
        <GroupRoleDialog groupRole={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />
      ) : null}
    </Paper>
  );
}

function GroupRoleDialog({ groupRole, onClose }: { groupRole: GroupRole | null; onClose: () => void }) {
  const [form, setForm] = useState({
    key: groupRole?.key ?? '',
    name: groupRole?.name ?? '',
    roles: groupRole?.roles ?? [],
  });
  const roles = useRoles();
  const save = useSaveGroupRole();
  const errors = fieldErrorsOf(save.error);
  const conflict = isApiError(save.error) && save.error.code === 'conflict';
  const data = (roles.data ?? []).map((r) => ({ value: r.key, label: `${r.name} (${r.key})` }));
  for (const k of form.roles) if (!data.some((d) => d.value === k)) data.push({ value: k, label: k });

  return (
    <Modal opened onClose={onClose} title={groupRole ? `Edit group role ${groupRole.key}` : 'New group role'}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(
            {
              existingKey: groupRole?.key ?? null,
              input: { key: form.key.trim(), name: form.name.trim(), roles: form.roles },
            },
            {
              onSuccess: () => {
                notifications.show({ color: 'green', message: `Group role ${form.key} saved` });
                onClose();
              },
            },
          );
        }}
      >
        <Stack>
          <TextInput
            label="Key"
            description="Letters, digits, dot, dash or underscore; cannot be changed later"
            required
            disabled={!!groupRole}
            data-autofocus
            value={form.key}
            onChange={(e) => setForm({ ...form, key: e.currentTarget.value })}
            error={errors.key ?? (conflict ? errorMessage(save.error) : undefined)}
          />
          <TextInput
            label="Name"
            required
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
            error={errors.name}
          />
          <MultiSelect
            label="Roles"
            searchable
            data={data}
            value={form.roles}
            onChange={(v) => setForm({ ...form, roles: v })}
            nothingFoundMessage={roles.isPending ? 'Loading…' : 'No role matches'}
            error={errors.roles}
            comboboxProps={{ withinPortal: true }}
          />
          {save.isError && Object.keys(errors).length === 0 && !conflict ? (
            <ErrorAlert error={save.error} />
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
