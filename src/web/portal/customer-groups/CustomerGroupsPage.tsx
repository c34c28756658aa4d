import { useState } from 'react';
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  Paper,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconLock, IconPlus } from '@tabler/icons-react';
import type { CustomerGroup } from '../../../contracts/customer-groups.ts';
import { errorMessage, fieldErrorsOf, isApiError } from '../../api/client.ts';
import {
  fromLocalInput,
  toLocalInput,
  useCreateCustomerGroup,
  useCustomerGroups,
  useDeleteCustomerGroup,
  useUpdateCustomerGroup,
  type CustomerGroupUpdateInput,
} from '../../api/customer-groups.ts';
import { useCan } from '../../api/session.ts';
import { RowActions } from '../../components/RowActions.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { DateTime, Empty, ErrorAlert, PageHeader, PageLoader } from '../../components/ui.tsx';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function CustomerGroupsPage() {
  const can = useCan();
  const groups = useCustomerGroups();
  const canWrite = can('customerGroups.write');
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<CustomerGroup | null>(null);
  const [deleting, setDeleting] = useState<CustomerGroup | null>(null);
  // When the page opened: whether a window has started or ended is judged against it.
  const [now] = useState(() => Date.now());

  return (
    <>
      <PageHeader
        title="Customer groups"
        subtitle="Group contacts and accounts; a group can give its contacts one shared login password"
        actions={
          canWrite ? (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
              New group
            </Button>
          ) : null
        }
      />
      <Paper withBorder p="md" radius="md">
        {groups.isPending ? <PageLoader /> : null}
        {groups.isError ? <ErrorAlert error={groups.error} /> : null}
        {groups.data?.length === 0 ? (
          <Empty>No customer groups yet. Create one before adding customers to it.</Empty>
        ) : null}
        {groups.data && groups.data.length > 0 ? (
          <Table.ScrollContainer minWidth={720}>
            <Table verticalSpacing="sm" aria-label="Customer groups">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Key</Table.Th>
                  <Table.Th>Members</Table.Th>
                  <Table.Th>Shared login password</Table.Th>
                  {canWrite ? <Table.Th w={90} /> : null}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {groups.data.map((g) => (
                  <Table.Tr key={g.id}>
                    <Table.Td>
                      <AnchorLink
                        to="/customer-groups/$groupId"
                        params={{ groupId: g.id }}
                        size="sm"
                        fw={500}
                      >
                        {g.name}
                      </AnchorLink>
                    </Table.Td>
                    <Table.Td ff="monospace" fz="sm">
                      {g.key}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{plural(g.contactCount, 'contact')}</Text>
                      <Text size="xs" c="dimmed">
                        {plural(g.accountCount, 'account')}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <PasswordCell group={g} now={now} />
                    </Table.Td>
                    {canWrite ? (
                      <Table.Td>
                        <RowActions
                          what={`group ${g.key}`}
                          onEdit={() => setEditing(g)}
                          onDelete={() => setDeleting(g)}
                        />
                      </Table.Td>
                    ) : null}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
      </Paper>
      {creating ? <CreateDialog onClose={() => setCreating(false)} /> : null}
      {editing ? <EditDialog key={editing.id} group={editing} onClose={() => setEditing(null)} /> : null}
      {deleting ? (
        <DeleteDialog
          group={deleting}
          others={(groups.data ?? []).filter((g) => g.id !== deleting.id)}
          onClose={() => setDeleting(null)}
        />
      ) : null}
    </>
  );
}

function PasswordCell({ group: g, now }: { group: CustomerGroup; now: number }) {
  if (!g.hasPassword)
    return (
      <Text size="sm" c="dimmed">
        None
      </Text>
    );
  const expired = g.loginValidUntil && new Date(g.loginValidUntil).getTime() <= now;
  const early = g.loginValidFrom && new Date(g.loginValidFrom).getTime() > now;
  return (
    <Stack gap={2}>
      <Group gap={6}>
        <Badge
          variant="light"
          radius="sm"
          color={expired ? 'red' : early ? 'yellow' : 'green'}
          leftSection={<IconLock size={12} />}
        >
          {expired ? 'Expired' : early ? 'Not valid yet' : 'Set'}
        </Badge>
      </Group>
      {g.loginValidFrom || g.loginValidUntil ? (
        <Text size="xs" c="dimmed">
          {g.loginValidFrom ? <DateTime iso={g.loginValidFrom} /> : 'Any time'} –{' '}
          {g.loginValidUntil ? <DateTime iso={g.loginValidUntil} /> : 'no end'}
        </Text>
      ) : (
        <Text size="xs" c="dimmed">
          Valid with no end
        </Text>
      )}
    </Stack>
  );
}

/** A key from a name: lower case, words joined with dashes. */
const keyFromName = (name: string) =>
  name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-._]+|-+$/g, '')
    .slice(0, 64);

function CreateDialog({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [keyTouched, setKeyTouched] = useState(false);
  const create = useCreateCustomerGroup();
  const errors = fieldErrorsOf(create.error);
  const conflict = isApiError(create.error) && create.error.code === 'conflict';
  const shownKey = keyTouched ? key : keyFromName(name);

  return (
    <Modal opened onClose={onClose} title="New customer group">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(
            { key: shownKey.trim(), name: name.trim() },
            {
              onSuccess: (g) => {
                notifications.show({ color: 'green', message: `Customer group ${g.name} created` });
                onClose();
              },
            },
          );
        }}
      >
        <Stack>
          <TextInput
            label="Name"
            required
            data-autofocus
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
          />
          <TextInput
            label="Key"
            description="Letters, digits, dot, dash or underscore; used in imports and the API; cannot be changed later"
            required
            value={shownKey}
            onChange={(e) => {
              setKeyTouched(true);
              setKey(e.currentTarget.value);
            }}
            error={errors.key ?? (conflict ? errorMessage(create.error) : undefined)}
          />
          {create.isError && Object.keys(errors).length === 0 && !conflict ? (
            <ErrorAlert error={create.error} />
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create group
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function EditDialog({ group, onClose }: { group: CustomerGroup; onClose: () => void }) {
  const [name, setName] = useState(group.name);
  const [password, setPassword] = useState('');
  const [removePassword, setRemovePassword] = useState(false);
  const [from, setFrom] = useState(toLocalInput(group.loginValidFrom));
  const [until, setUntil] = useState(toLocalInput(group.loginValidUntil));
  const update = useUpdateCustomerGroup();
  const errors = fieldErrorsOf(update.error);

  const patch: CustomerGroupUpdateInput = {};
  if (name.trim() !== group.name) patch.name = name.trim();
  if (removePassword) patch.password = null;
  else if (password) patch.password = password;
  if (from !== toLocalInput(group.loginValidFrom)) patch.loginValidFrom = fromLocalInput(from);
  if (until !== toLocalInput(group.loginValidUntil)) patch.loginValidUntil = fromLocalInput(until);
  const dirty = Object.keys(patch).length > 0;

  return (
    <Modal opened onClose={onClose} title={`Edit customer group ${group.key}`} size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          update.mutate(
            { id: group.id, body: patch },
            {
              onSuccess: (g) => {
                notifications.show({ color: 'green', message: `Customer group ${g.name} saved` });
                onClose();
              },
            },
          );
        }}
      >
        <Stack>
          <TextInput
            label="Name"
            required
            data-autofocus
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
          />
          <Stack gap={6}>
            <Text size="sm" fw={500}>
              Shared login password
            </Text>
            <Text size="xs" c="dimmed">
              Contacts added with “use the group’s shared password” sign in on the storefront with it, within
              the validity window.{' '}
              {group.hasPassword ? 'A password is set; type a new one to change it.' : 'No password is set.'}
            </Text>
            <PasswordInput
              aria-label={group.hasPassword ? 'New shared password' : 'Shared password'}
              placeholder={group.hasPassword ? 'New shared password' : 'At least 10 characters'}
              autoComplete="new-password"
              disabled={removePassword}
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={errors.password}
            />
            {group.hasPassword ? (
              <Checkbox
                label="Remove the shared password"
                description="Contacts still using it can no longer sign in with it"
                checked={removePassword}
                onChange={(e) => setRemovePassword(e.currentTarget.checked)}
              />
            ) : null}
          </Stack>
          <SimpleGrid cols={{ base: 1, xs: 2 }}>
            <TextInput
              type="datetime-local"
              label="Valid from"
              description="Empty: from now on"
              value={from}
              onChange={(e) => setFrom(e.currentTarget.value)}
              error={errors.loginValidFrom}
            />
            <TextInput
              type="datetime-local"
              label="Valid until"
              description="Empty: no end"
              value={until}
              onChange={(e) => setUntil(e.currentTarget.value)}
              error={errors.loginValidUntil}
            />
          </SimpleGrid>
          {update.isError && Object.keys(errors).length === 0 ? <ErrorAlert error={update.error} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" disabled={!dirty} loading={update.isPending}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DeleteDialog({
  group,
  others,
  onClose,
}: {
  group: CustomerGroup;
  others: CustomerGroup[];
  onClose: () => void;
}) {
  const del = useDeleteCustomerGroup();
  const [moveTo, setMoveTo] = useState<string | null>(null);
  const members = group.contactCount + group.accountCount;
  const inUse = members > 0;

  return (
    <Modal opened onClose={onClose} title={`Delete customer group ${group.name}?`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          del.mutate(
            { id: group.id, moveTo: inUse ? (moveTo ?? undefined) : undefined },
            {
              onSuccess: () => {
                notifications.show({
                  color: 'green',
                  message: inUse
                    ? `Customer group ${group.name} deleted; its members moved to ${others.find((g) => g.key === moveTo)?.name ?? moveTo}`
                    : `Customer group ${group.name} deleted`,
                });
                onClose();
              },
            },
          );
        }}
      >
        <Stack>
          {inUse ? (
            <>
              <Alert color="yellow" variant="light" p="sm">
                This group has {plural(group.contactCount, 'contact')} and{' '}
                {plural(group.accountCount, 'account')}. Choose a group to move them to before it is deleted.
              </Alert>
              <Select
                label="Move members to"
                placeholder={others.length ? 'Choose a group' : 'No other group exists'}
                required
                searchable
                data={others.map((g) => ({ value: g.key, label: `${g.name} (${g.key})` }))}
                value={moveTo}
                onChange={setMoveTo}
                comboboxProps={{ withinPortal: true }}
              />
            </>
          ) : (
            <Text size="sm">This group has no members. Deleting it cannot be undone.</Text>
          )}
          {del.isError ? <ErrorAlert error={del.error} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="red" loading={del.isPending} disabled={inUse && !moveTo}>
              {inUse ? 'Move members and delete' : 'Delete'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
