import { useState } from 'react';
import { Button, Group, Modal, Select, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconUsersGroup } from '@tabler/icons-react';
import { useChangeGroupMembers } from '../../api/customer-group-members.ts';
import { useCustomerGroups } from '../../api/customer-groups.ts';
import { ErrorAlert } from '../../components/ui.tsx';

/** "Add to group…" and "Remove from group…" for the rows selected in a list. */
export function GroupSelectionActions({
  member,
  ids,
  onDone,
}: {
  member: 'account' | 'contact';
  ids: string[];
  onDone?: () => void;
}) {
  const [mode, setMode] = useState<'add' | 'remove' | null>(null);
  const [groupId, setGroupId] = useState<string | null>(null);
  const groups = useCustomerGroups(mode !== null);
  const change = useChangeGroupMembers();
  const what = member === 'account' ? 'account' : 'contact';
  const count = `${ids.length} ${what}${ids.length === 1 ? '' : 's'}`;
  const close = () => {
    setMode(null);
    setGroupId(null);
    change.reset();
  };
  const submit = () => {
    if (!groupId || !mode) return;
    const group = groups.data?.find((g) => g.id === groupId);
    change.mutate(
      {
        groupId,
        change: mode,
        ...(member === 'account' ? { accountIds: ids } : { contactIds: ids }),
      },
      {
        onSuccess: (result) => {
          const n = member === 'account' ? result.accounts : result.contacts;
          const name = group?.name ?? 'the group';
          notifications.show({
            color: 'green',
            message:
              mode === 'add'
                ? `${n} ${what}${n === 1 ? '' : 's'} added to ${name}${n < ids.length ? ` (${ids.length - n} already in it)` : ''}`
                : `${n} ${what}${n === 1 ? '' : 's'} removed from ${name}`,
          });
          close();
          onDone?.();
        },
      },
    );
  };
  return (
    <>
      <Button
        size="xs"
        variant="default"
        leftSection={<IconUsersGroup size={16} />}
        onClick={() => setMode('add')}
      >
        Add to group…
      </Button>
      <Button size="xs" variant="default" onClick={() => setMode('remove')}>
        Remove from group…
      </Button>
      <Modal
        opened={mode !== null}
        onClose={close}
        title={
          mode === 'remove' ? `Remove ${count} from a customer group` : `Add ${count} to a customer group`
        }
      >
        <Stack>
          <Select
            label="Customer group"
            required
            searchable
            placeholder="Choose a group"
            data={(groups.data ?? []).map((g) => ({ value: g.id, label: `${g.name} (${g.key})` }))}
            value={groupId}
            onChange={setGroupId}
            nothingFoundMessage="No group matches"
            comboboxProps={{ withinPortal: false }}
          />
          {groups.data?.length === 0 ? (
            <Text size="sm">There is no customer group yet: create one under Customer groups first.</Text>
          ) : null}
          {change.isError ? <ErrorAlert error={change.error} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button onClick={submit} disabled={!groupId} loading={change.isPending}>
              {mode === 'remove' ? 'Remove' : 'Add'}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

/** The customer-group filter of a list: the group's key in the URL. */
export function CustomerGroupFilter({
  value,
  onChange,
}: {
  value: string | undefined;
  onChange: (key: string | undefined) => void;
}) {
  const groups = useCustomerGroups();
  return (
    <Select
      label="Customer group"
      placeholder="Any group"
      clearable
      searchable
      w={200}
      data={(groups.data ?? []).map((g) => ({ value: g.key, label: g.name }))}
      value={value ?? null}
      onChange={(v) => onChange(v ?? undefined)}
    />
  );
}

/** The groups cell of a list row. */
export function GroupsCell({ keys }: { keys: string[] }) {
  return keys.length ? <Text size="sm">{keys.join(', ')}</Text> : <Text size="sm">—</Text>;
}

/** A list's selected row ids, kept across searches so a selection can be built from several. */
export function useRowSelection() {
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const set = (ids: string[], on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });
  return { selected, set, clear: () => setSelected(new Set()) };
}

/** The bar above a list while rows are selected: how many, clear, and the group actions. */
export function SelectionBar({
  member,
  selection,
}: {
  member: 'account' | 'contact';
  selection: ReturnType<typeof useRowSelection>;
}) {
  const n = selection.selected.size;
  if (!n) return null;
  return (
    <Group
      justify="space-between"
      mb="sm"
      px="sm"
      py={6}
      bg="indigo.0"
      style={{ borderRadius: 'var(--mantine-radius-sm)' }}
      data-testid="selection-bar"
    >
      <Text size="sm" fw={500}>
        {n === 1 ? `1 ${member} selected` : `${n} ${member}s selected`}
      </Text>
      <Group gap="xs">
        <Button variant="subtle" size="xs" color="gray" onClick={selection.clear}>
          Clear selection
        </Button>
        <GroupSelectionActions member={member} ids={[...selection.selected]} onDone={selection.clear} />
      </Group>
    </Group>
  );
}
