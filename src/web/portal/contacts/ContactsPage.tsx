import { useCallback, useState } from 'react';
import { Button, Checkbox, Group, Paper, Select, Table, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconMail, IconUserPlus, IconUsersPlus } from '@tabler/icons-react';
import type { ContactSummary } from '../../../contracts/contacts.ts';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { contactName, useContactList } from '../../api/contacts.ts';
import { useCan } from '../../api/session.ts';
import { SearchInput } from '../../components/SearchInput.tsx';
import { Empty, ErrorAlert, LoadMore, PageHeader, StatusBadge } from '../../components/ui.tsx';
import type { ContactsSearch } from '../../router.tsx';
import { AddContactDialog } from './AddContactDialog.tsx';
import { BulkEmailDialog } from './BulkEmailDialog.tsx';
import { BulkAddContactsDialog } from './BulkAddContactsDialog.tsx';
import { AnchorLink } from '../../components/links.tsx';
import {
  CustomerGroupFilter,
  GroupSelectionActions,
  GroupsCell,
} from '../customer-groups/GroupSelectionActions.tsx';
import { attributeFilterParams } from '../../api/attribute-values.ts';
import {
  AttributeCells,
  AttributeFilters,
  AttributeHeaders,
  useListAttributes,
} from '../../components/AttributeListParts.tsx';

const route = getRouteApi('/portal/contacts');

export function ContactsPage() {
  const search = route.useSearch();
  const navigate = useNavigate({ from: '/contacts' });
  const can = useCan();
  const [addOpen, addDialog] = useDisclosure(false);
  const [emailOpen, emailDialog] = useDisclosure(false);
  const [bulkOpen, bulkDialog] = useDisclosure(false);
  const attrs = useListAttributes('contact');
  const attrSearch = attributeFilterParams(search);
  const list = useContactList({
    q: search.q,
    status: search.status,
    customerGroup: search.customerGroup,
    ...attrSearch,
  });
  const contacts = list.data?.pages.flatMap((p) => p.items) ?? [];
  // Selected contacts, kept across searches so a selection can be built from several.
  const [selected, setSelected] = useState<Map<string, ContactSummary>>(() => new Map());
  const selectable = can('emails.send') || can('customerGroups.write');
  const shownSelected = contacts.filter((c) => selected.has(c.id)).length;
  const toggle = (c: ContactSummary, on: boolean) =>
    setSelected((prev) => {
      const next = new Map(prev);
      if (on) next.set(c.id, c);
      else next.delete(c.id);
      return next;
    });
  const toggleShown = (on: boolean) =>
    setSelected((prev) => {
      const next = new Map(prev);
      for (const c of contacts) {
        if (on) next.set(c.id, c);
        else next.delete(c.id);
      }
      return next;
    });

  const setSearch = useCallback(
    (patch: Partial<ContactsSearch>) =>
      void navigate({ search: (prev) => ({ ...prev, ...patch }), replace: true }),
    [navigate],
  );
  const onSearch = useCallback((q: string) => setSearch({ q: q || undefined }), [setSearch]);

  return (
    <>
      <PageHeader
        title="Contacts"
        subtitle="People on your accounts"
        actions={
          can('contacts.write') ? (
            <>
              <Button variant="default" leftSection={<IconUsersPlus size={16} />} onClick={bulkDialog.open}>
                Add multiple contacts
              </Button>
              <Button leftSection={<IconUserPlus size={16} />} onClick={addDialog.open}>
                Add contact
              </Button>
            </>
          ) : null
        }
      />
      <Paper withBorder p="md" radius="md">
        <Group align="flex-end" mb="md" gap="sm" wrap="wrap">
          <SearchInput
            label="Search contacts"
            placeholder="Email or name"
            value={search.q ?? ''}
            onSearch={onSearch}
            loading={list.isFetching && !list.isFetchingNextPage}
            autoFocus
          />
          <Select
            label="Status"
            placeholder="Any status"
            clearable
            w={150}
            data={[
              { value: 'active', label: 'Active' },
              { value: 'pending', label: 'Pending' },
              { value: 'disabled', label: 'Disabled' },
            ]}
            value={search.status ?? null}
            onChange={(v) => setSearch({ status: (v as ContactsSearch['status']) ?? undefined })}
          />
          <CustomerGroupFilter
            value={search.customerGroup}
            onChange={(customerGroup) => setSearch({ customerGroup })}
          />
          <AttributeFilters definitions={attrs.filters} search={attrSearch} onChange={setSearch} />
        </Group>
        {selectable && selected.size > 0 ? (
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
              {selected.size === 1 ? '1 contact selected' : `${selected.size} contacts selected`}
              {selected.size > shownSelected ? (
                <Text span size="xs" c="dimmed">
                  {' '}
                  ({selected.size - shownSelected} not shown)
                </Text>
              ) : null}
            </Text>
            <Group gap="xs">
              <Button variant="subtle" size="xs" color="gray" onClick={() => setSelected(new Map())}>
                Clear selection
              </Button>
              {can('customerGroups.write') ? (
                <GroupSelectionActions member="contact" ids={[...selected.keys()]} />
              ) : null}
              {can('emails.send') ? (
                <Button size="xs" leftSection={<IconMail size={16} />} onClick={emailDialog.open}>
                  Send email
                </Button>
              ) : null}
            </Group>
          </Group>
        ) : null}
        {list.isError ? <ErrorAlert error={list.error} /> : null}
        <Table.ScrollContainer minWidth={640}>
          <Table highlightOnHover verticalSpacing="xs" style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}>
            <Table.Thead>
              <Table.Tr>
                {selectable ? (
                  <Table.Th w={40}>
                    <Checkbox
                      aria-label="Select all contacts shown"
                      checked={contacts.length > 0 && shownSelected === contacts.length}
                      indeterminate={shownSelected > 0 && shownSelected < contacts.length}
                      disabled={contacts.length === 0}
                      onChange={(e) => toggleShown(e.currentTarget.checked)}
                    />
                  </Table.Th>
                ) : null}
                <Table.Th>Name</Table.Th>
                <Table.Th>Email</Table.Th>
                <Table.Th>Account</Table.Th>
                <Table.Th>Phone</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Login</Table.Th>
                <Table.Th>Groups</Table.Th>
                <AttributeHeaders definitions={attrs.columns} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {contacts.map((c) => (
                <Table.Tr
                  key={c.id}
                  className="row-link"
                  onClick={(e) => {
                    if ((e.target as HTMLElement).closest('a, input, label, .select-cell')) return;
                    void navigate({ to: '/contacts/$contactId', params: { contactId: c.id } });
                  }}
                  bg={selected.has(c.id) ? 'var(--mantine-color-indigo-0)' : undefined}
                >
                  {selectable ? (
                    <Table.Td className="select-cell">
                      <Checkbox
                        aria-label={`Select ${contactName(c) || c.email}`}
                        checked={selected.has(c.id)}
                        onChange={(e) => toggle(c, e.currentTarget.checked)}
                      />
                    </Table.Td>
                  ) : null}
                  <Table.Td>
                    <AnchorLink to="/contacts/$contactId" params={{ contactId: c.id }} size="sm" fw={500}>
                      {contactName(c)}
                    </AnchorLink>
                  </Table.Td>
                  <Table.Td>{c.email}</Table.Td>
                  <Table.Td>
                    {c.account ? (
                      <AnchorLink
                        to="/accounts/$accountId"
                        params={{ accountId: c.account.id }}
                        size="sm"
                        c="dark"
                      >
                        {c.account.name}{' '}
                        <Text span size="xs" c="dimmed">
                          {c.account.number}
                        </Text>
                      </AnchorLink>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                  <Table.Td>{c.phone ?? '—'}</Table.Td>
                  <Table.Td>
                    <StatusBadge status={c.status} />
                  </Table.Td>
                  <Table.Td>{c.hasLogin ? 'Yes' : 'No'}</Table.Td>
                  <Table.Td>
                    <GroupsCell keys={c.customerGroups} />
                  </Table.Td>
                  <AttributeCells definitions={attrs.columns} record={c} />
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {list.isSuccess && contacts.length === 0 ? (
          <Empty>
            {search.q || search.status || search.customerGroup || Object.keys(attrSearch).length > 0
              ? 'No contact matches these filters.'
              : 'No contacts yet.'}
          </Empty>
        ) : null}
        {list.isPending ? <Empty>Loading…</Empty> : null}
        {contacts.length > 0 ? (
          <LoadMore
            shown={contacts.length}
            hasNextPage={list.hasNextPage}
            isFetchingNextPage={list.isFetchingNextPage}
            fetchNextPage={list.fetchNextPage}
          />
        ) : null}
      </Paper>
      <AddContactDialog opened={addOpen} onClose={addDialog.close} />
      {can('contacts.write') ? <BulkAddContactsDialog opened={bulkOpen} onClose={bulkDialog.close} /> : null}
      {selectable ? (
        <BulkEmailDialog
          opened={emailOpen}
          onClose={emailDialog.close}
          contacts={[...selected.values()]}
          onSent={() => setSelected(new Map())}
        />
      ) : null}
    </>
  );
}
