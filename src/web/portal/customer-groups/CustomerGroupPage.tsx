import { useState } from 'react';
import { ActionIcon, Button, Grid, Group, Paper, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconX } from '@tabler/icons-react';
import { getRouteApi } from '@tanstack/react-router';
import type { Account } from '../../../contracts/accounts.ts';
import type { ContactSummary } from '../../../contracts/contacts.ts';
import type { CustomerGroup } from '../../../contracts/customer-groups.ts';
import { useAccountList } from '../../api/accounts.ts';
import { contactName, useContactList } from '../../api/contacts.ts';
import { useChangeGroupMembers } from '../../api/customer-group-members.ts';
import { useCustomerGroups } from '../../api/customer-groups.ts';
import { useCan } from '../../api/session.ts';
import { AccountPicker } from '../../components/AccountPicker.tsx';
import { ContactPicker } from '../../components/ContactPicker.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { Empty, ErrorAlert, LoadMore, PageHeader } from '../../components/ui.tsx';

const route = getRouteApi('/portal/customer-groups/$groupId');

/** A customer group's members: accounts and contacts, added by searching, removed per row. */
export function CustomerGroupPage() {
  const { groupId } = route.useParams();
  const groups = useCustomerGroups();
  const group = groups.data?.find((g) => g.id === groupId);
  if (groups.isError) return <ErrorAlert error={groups.error} />;
  if (groups.isPending) return <Empty>Loading…</Empty>;
  if (!group) return <Empty>This customer group does not exist (any more).</Empty>;
  return (
    <>
      <PageHeader
        title={group.name}
        subtitle={`Customer group ${group.key} · ${group.accountCount} accounts · ${group.contactCount} contacts`}
      />
      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <Paper withBorder p="md" radius="md">
            <Members group={group} member="account" />
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <Paper withBorder p="md" radius="md">
            <Members group={group} member="contact" />
          </Paper>
        </Grid.Col>
      </Grid>
    </>
  );
}

type Row = { id: string; name: string; detail: string; to: 'account' | 'contact' };

function Members({ group, member }: { group: CustomerGroup; member: 'account' | 'contact' }) {
  const can = useCan();
  const writable = can('customerGroups.write');
  const accounts = useAccountList({ customerGroup: group.key }, 25);
  const contacts = useContactList({ customerGroup: group.key }, 25);
  const list = member === 'account' ? accounts : contacts;
  const change = useChangeGroupMembers();
  const [account, setAccount] = useState<Account | null>(null);
  const [contact, setContact] = useState<ContactSummary | null>(null);
  const rows: Row[] =
    member === 'account'
      ? (accounts.data?.pages.flatMap((p) => p.items) ?? []).map((a) => ({
          id: a.id,
          name: a.name,
          detail: a.number,
          to: 'account',
        }))
      : (contacts.data?.pages.flatMap((p) => p.items) ?? []).map((c) => ({
          id: c.id,
          name: contactName(c) || c.email,
          detail: c.email,
          to: 'contact',
        }));
  const picked = member === 'account' ? account : contact;
  const run = (id: string, kind: 'add' | 'remove', name: string) =>
    change.mutate(
      {
        groupId: group.id,
        change: kind,
        ...(member === 'account' ? { accountIds: [id] } : { contactIds: [id] }),
      },
      {
        onSuccess: () => {
          setAccount(null);
          setContact(null);
          notifications.show({
            color: 'green',
            message: kind === 'add' ? `${name} added to ${group.name}` : `${name} removed from ${group.name}`,
          });
        },
      },
    );
  const title = member === 'account' ? 'Accounts' : 'Contacts';
  return (
    <>
      <Title order={4} mb="sm">
        {title}
      </Title>
      {writable ? (
        <Group align="flex-end" gap="xs" mb="md">
          <div style={{ flex: 1 }}>
            {member === 'account' ? (
              <AccountPicker label="Add an account" value={account} onChange={setAccount} />
            ) : (
              <ContactPicker label="Add a contact" value={contact} onChange={setContact} />
            )}
          </div>
          <Button
            variant="default"
            disabled={!picked}
            loading={change.isPending}
            onClick={() => {
              if (account && member === 'account') run(account.id, 'add', account.name);
              if (contact && member === 'contact')
                run(contact.id, 'add', contactName(contact) || contact.email);
            }}
          >
            Add
          </Button>
        </Group>
      ) : null}
      {change.isError ? <ErrorAlert error={change.error} /> : null}
      {list.isError ? <ErrorAlert error={list.error} /> : null}
      {rows.length ? (
        <Table verticalSpacing="xs" aria-label={`${title} in the group`}>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>
                  {r.to === 'account' ? (
                    <AnchorLink to="/accounts/$accountId" params={{ accountId: r.id }} size="sm" fw={500}>
                      {r.name}
                    </AnchorLink>
                  ) : (
                    <AnchorLink to="/contacts/$contactId" params={{ contactId: r.id }} size="sm" fw={500}>
                      {r.name}
                    </AnchorLink>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{r.detail}</Text>
                </Table.Td>
                {writable ? (
                  <Table.Td w={40}>
                    <ActionIcon
                      variant="subtle"
                      color="gray"
                      aria-label={`Remove ${r.name} from the group`}
                      onClick={() => run(r.id, 'remove', r.name)}
                    >
                      <IconX size={16} />
                    </ActionIcon>
                  </Table.Td>
                ) : null}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      {list.isSuccess && rows.length === 0 ? <Empty>No {member}s in this group.</Empty> : null}
      {rows.length > 0 ? (
        <LoadMore
          shown={rows.length}
          hasNextPage={list.hasNextPage}
          isFetchingNextPage={list.isFetchingNextPage}
          fetchNextPage={list.fetchNextPage}
        />
      ) : null}
    </>
  );
}
