import { useState } from 'react';
import {
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { COMMERCIAL_LABELS, COMMERCIAL_LISTS } from '../../../contracts/commercial-terms.ts';
import { errorMessage, fieldErrorsOf, isApiError } from '../../api/client.ts';
import {
  useCommercialCodes,
  useCreateCommercialCode,
  useDeleteCommercialCode,
  useUpdateCommercialCode,
  type CommercialCode,
  type CommercialList,
} from '../../api/commercial-terms.ts';
import { useCan } from '../../api/session.ts';
import { RowActions } from '../../components/RowActions.tsx';
import { Empty, ErrorAlert, PageLoader } from '../../components/ui.tsx';

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Settings → Customer data: the payment terms, price groups and sales reps accounts are given. */
export function CommercialListsEditor() {
  return (
    <Stack gap="md" maw={880} mt="md">
      {COMMERCIAL_LISTS.map((list) => (
        <CommercialListTable key={list} list={list} />
      ))}
    </Stack>
  );
}

function CommercialListTable({ list }: { list: CommercialList }) {
  const can = useCan();
  const canWrite = can('settings.write');
  const codes = useCommercialCodes(list);
  const update = useUpdateCommercialCode(list);
  const { one, title } = COMMERCIAL_LABELS[list];
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<CommercialCode | null>(null);
  const [deleting, setDeleting] = useState<CommercialCode | null>(null);

  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start">
          <Stack gap={2}>
            <Title order={4}>{title}</Title>
            <Text size="xs" c="dimmed">
              The {one} codes accounts can be given, here and in imports and the API. An inactive code stays
              on the accounts that have it.
            </Text>
          </Stack>
          {canWrite ? (
            <Button
              size="xs"
              variant="light"
              leftSection={<IconPlus size={14} />}
              onClick={() => setAdding(true)}
            >
              Add {one}
            </Button>
          ) : null}
        </Group>
        {codes.isPending ? <PageLoader /> : null}
        {codes.isError ? <ErrorAlert error={codes.error} /> : null}
        {codes.data?.length === 0 ? <Empty>No {one} codes yet.</Empty> : null}
        {codes.data && codes.data.length > 0 ? (
          <Table verticalSpacing="xs" aria-label={title}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Code</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Accounts</Table.Th>
                <Table.Th>Status</Table.Th>
                {canWrite ? <Table.Th w={150} /> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {codes.data.map((c) => (
                <Table.Tr key={c.code}>
                  <Table.Td ff="monospace" fz="sm">
                    {c.code}
                  </Table.Td>
                  <Table.Td>{c.name}</Table.Td>
                  <Table.Td>{c.accountCount}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" radius="sm" color={c.active ? 'green' : 'gray'}>
                      {c.active ? 'Active' : 'Inactive'}
                    </Badge>
                  </Table.Td>
                  {canWrite ? (
                    <Table.Td>
                      <RowActions
                        what={`${one} ${c.code}`}
                        onEdit={() => setEditing(c)}
                        onDelete={() => setDeleting(c)}
                        before={
                          <Switch
                            size="xs"
                            aria-label={`${one} ${c.code} active`}
                            checked={c.active}
                            disabled={update.isPending}
                            onChange={(e) =>
                              update.mutate(
                                { code: c.code, body: { active: e.currentTarget.checked } },
                                {
                                  onError: (err) =>
                                    notifications.show({ color: 'red', message: errorMessage(err) }),
                                },
                              )
                            }
                          />
                        }
                      />
                    </Table.Td>
                  ) : null}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : null}
      </Stack>
      {adding ? <AddDialog list={list} onClose={() => setAdding(false)} /> : null}
      {editing ? <RenameDialog list={list} code={editing} onClose={() => setEditing(null)} /> : null}
      {deleting ? (
        <DeleteDialog
          list={list}
          code={deleting}
          others={(codes.data ?? []).filter((c) => c.code !== deleting.code && c.active)}
          onClose={() => setDeleting(null)}
        />
      ) : null}
    </Paper>
  );
}

function AddDialog({ list, onClose }: { list: CommercialList; onClose: () => void }) {
  const { one } = COMMERCIAL_LABELS[list];
  const create = useCreateCommercialCode(list);
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const errors = fieldErrorsOf(create.error);
  const conflict = isApiError(create.error) && create.error.code === 'conflict';
  return (
    <Modal opened onClose={onClose} title={`Add ${one}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(
            { code: code.trim(), name: name.trim() || code.trim() },
            {
              onSuccess: (c) => {
                notifications.show({ color: 'green', message: `${c.code} added to the ${one} list` });
                onClose();
              },
            },
          );
        }}
      >
        <Stack>
          <SimpleGrid cols={2}>
            <TextInput
              label="Code"
              description="As your ERP spells it"
              required
              data-autofocus
              value={code}
              onChange={(e) => setCode(e.currentTarget.value)}
              error={errors.code ?? (conflict ? errorMessage(create.error) : undefined)}
            />
            <TextInput
              label="Name"
              description="Shown in the portal"
              required
              value={name}
              placeholder={code}
              onChange={(e) => setName(e.currentTarget.value)}
              error={errors.name}
            />
          </SimpleGrid>
          {create.isError && Object.keys(errors).length === 0 && !conflict ? (
            <ErrorAlert error={create.error} />
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!code.trim()}>
              Add
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function RenameDialog({
  list,
  code,
  onClose,
}: {
  list: CommercialList;
  code: CommercialCode;
  onClose: () => void;
}) {
  const { one } = COMMERCIAL_LABELS[list];
  const update = useUpdateCommercialCode(list);
  const [name, setName] = useState(code.name);
  const errors = fieldErrorsOf(update.error);
  return (
    <Modal opened onClose={onClose} title={`Rename ${one} ${code.code}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          update.mutate(
            { code: code.code, body: { name: name.trim() } },
            {
              onSuccess: () => {
                notifications.show({ color: 'green', message: `${code.code} renamed` });
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
          {update.isError && !errors.name ? <ErrorAlert error={update.error} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={update.isPending} disabled={!name.trim()}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DeleteDialog({
  list,
  code,
  others,
  onClose,
}: {
  list: CommercialList;
  code: CommercialCode;
  others: CommercialCode[];
  onClose: () => void;
}) {
  const { one } = COMMERCIAL_LABELS[list];
  const del = useDeleteCommercialCode(list);
  const [moveTo, setMoveTo] = useState<string | null>(null);
  const inUse = code.accountCount > 0;
  return (
    <Modal opened onClose={onClose} title={`Delete ${one} ${code.code}?`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          del.mutate(
            { code: code.code, moveTo: inUse ? (moveTo ?? undefined) : undefined },
            {
              onSuccess: () => {
                notifications.show({
                  color: 'green',
                  message: inUse
                    ? `${code.code} deleted; its accounts now have ${moveTo}`
                    : `${code.code} deleted`,
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
                {plural(code.accountCount, 'account')} {code.accountCount === 1 ? 'has' : 'have'} this {one}.
                Choose another one to give {code.accountCount === 1 ? 'it' : 'them'} before it is deleted.
              </Alert>
              <Select
                label="Move accounts to"
                placeholder={others.length ? `Choose a ${one}` : `No other active ${one} exists`}
                required
                searchable
                data={others.map((c) => ({ value: c.code, label: `${c.code} — ${c.name}` }))}
                value={moveTo}
                onChange={setMoveTo}
                comboboxProps={{ withinPortal: true }}
              />
            </>
          ) : (
            <Text size="sm">No account has this {one}. Deleting it cannot be undone.</Text>
          )}
          {del.isError ? <ErrorAlert error={del.error} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="red" loading={del.isPending} disabled={inUse && !moveTo}>
              {inUse ? 'Move accounts and delete' : 'Delete'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
