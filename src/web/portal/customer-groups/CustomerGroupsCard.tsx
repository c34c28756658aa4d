import { useState } from 'react';
import { ActionIcon, Badge, Button, Group, Select, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconX } from '@tabler/icons-react';
import { errorMessage } from '../../api/client.ts';
import { useChangeGroupMembers } from '../../api/customer-group-members.ts';
import { useCustomerGroups } from '../../api/customer-groups.ts';
import { useCan } from '../../api/session.ts';
import { ErrorAlert } from '../../components/ui.tsx';

/** The customer groups an account or contact is in: a remove button per group, and a picker to add one. */
export function CustomerGroupsCard({
  member,
  id,
  keys,
}: {
  member: 'account' | 'contact';
  id: string;
  keys: string[];
}) {
  const can = useCan();
  const writable = can('customerGroups.write');
  const groups = useCustomerGroups(can('customerGroups.read'));
  const change = useChangeGroupMembers();
  const [picked, setPicked] = useState<string | null>(null);
  const byKey = new Map((groups.data ?? []).map((g) => [g.key.toLowerCase(), g]));
  const ids = member === 'account' ? { accountIds: [id] } : { contactIds: [id] };
  const run = (groupId: string, kind: 'add' | 'remove', name: string) =>
    change.mutate(
      { groupId, change: kind, ...ids },
      {
        onSuccess: () => {
          setPicked(null);
          notifications.show({
            color: 'green',
            message: kind === 'add' ? `Added to ${name}` : `Removed from ${name}`,
          });
        },
      },
    );
  const options = (groups.data ?? [])
    .filter((g) => !keys.some((k) => k.toLowerCase() === g.key.toLowerCase()))
    .map((g) => ({ value: g.id, label: `${g.name} (${g.key})` }));

  return (
    <section aria-labelledby={`groups-${id}`}>
      <Title order={4} mb="xs" id={`groups-${id}`}>
        Customer groups
      </Title>
      {keys.length ? (
        <Group gap="xs" mb="sm" data-testid="member-groups">
          {keys.map((key) => {
            const group = byKey.get(key.toLowerCase());
            const name = group?.name ?? key;
            return (
              <Badge
                key={key}
                variant="light"
                size="lg"
                tt="none"
                rightSection={
                  writable && group ? (
                    <ActionIcon
                      size="xs"
                      variant="transparent"
                      aria-label={`Remove from ${name}`}
                      onClick={() => run(group.id, 'remove', name)}
                      loading={change.isPending}
                    >
                      <IconX size={12} />
                    </ActionIcon>
                  ) : null
                }
              >
                {name}
              </Badge>
            );
          })}
        </Group>
      ) : (
        <Text size="sm" c="dimmed" mb="sm">
          {member === 'account'
            ? 'This account is in no customer group.'
            : 'This contact is in no customer group.'}
        </Text>
      )}
      {writable ? (
        <Group align="flex-end" gap="xs">
          <Select
            label="Add to customer group"
            placeholder={options.length ? 'Choose a group' : 'No other group'}
            searchable
            data={options}
            value={picked}
            onChange={setPicked}
            w={260}
            nothingFoundMessage="No group matches"
          />
          <Button
            variant="default"
            disabled={!picked}
            loading={change.isPending}
            onClick={() => {
              const group = groups.data?.find((g) => g.id === picked);
              if (group) run(group.id, 'add', group.name);
            }}
          >
            Add
          </Button>
        </Group>
      ) : null}
      {change.isError ? <ErrorAlert error={change.error} /> : null}
      {groups.isError ? <Text size="sm">{errorMessage(groups.error)}</Text> : null}
    </section>
  );
}
