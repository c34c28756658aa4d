import { useCallback } from 'react';
import { ERP_SYNC_LABELS } from './ErpCard.tsx';
import { Badge, Button, Checkbox, Group, Paper, Select, Table, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconPlus } from '@tabler/icons-react';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useAccountList } from '../../api/accounts.ts';
import { useCan } from '../../api/session.ts';
import { SearchInput } from '../../components/SearchInput.tsx';
import { Empty, ErrorAlert, LoadMore, PageHeader, StatusBadge } from '../../components/ui.tsx';
import type { AccountsSearch } from '../../router.tsx';
import { AccountCreateDialog } from './AccountCreateDialog.tsx';
import { AnchorLink } from '../../components/links.tsx';
import {
  CustomerGroupFilter,
  GroupsCell,
  SelectionBar,
  useRowSelection,
} from '../customer-groups/GroupSelectionActions.tsx';
import { attributeFilterParams } from '../../api/attribute-values.ts';
import {
  AttributeCells,
  AttributeFilters,
  AttributeHeaders,
  useListAttributes,
} from '../../components/AttributeListParts.tsx';

const route = getRouteApi('/portal/accounts');

export function AccountsPage() {
  const search = route.useSearch();
  const navigate = useNavigate({ from: '/accounts' });
  const can = useCan();
  const [createOpen, createDialog] = useDisclosure(false);
  const attrs = useListAttributes('account');
  const attrSearch = attributeFilterParams(search);
  const list = useAccountList({
    q: search.q,
    kind: search.kind,
    status: search.status,
    customerGroup: search.customerGroup,
    erpSync: search.erpSync,
    ...attrSearch,
  });
  const accounts = list.data?.pages.flatMap((p) => p.items) ?? [];
  const selection = useRowSelection();
  const selectable = can('customerGroups.write');
  const shownSelected = accounts.filter((a) => selection.selected.has(a.id)).length;

  const setSearch = useCallback(
    (patch: Partial<AccountsSearch>) =>
      void navigate({ search: (prev) => ({ ...prev, ...patch }), replace: true }),
    [navigate],
  );
  const onSearch = useCallback((q: string) => setSearch({ q: q || undefined }), [setSearch]);

  return (
    <>
      <PageHeader
        title="Accounts"
        subtitle="Companies and individuals that buy from you"
        actions={
          can('accounts.write') ? (
            <Button leftSection={<IconPlus size={16} />} onClick={createDialog.open}>
              New account
            </Button>
          ) : null
        }
      />
      <Paper withBorder p="md" radius="md">
        <Group align="flex-end" mb="md" gap="sm" wrap="wrap">
          <SearchInput
            label="Search accounts"
            placeholder="Code, number or name"
            value={search.q ?? ''}
            onSearch={onSearch}
            loading={list.isFetching && !list.isFetchingNextPage}
            autoFocus
          />
          <Select
            label="Kind"
            placeholder="Any kind"
            clearable
            w={150}
            data={[
              { value: 'business', label: 'Business' },
              { value: 'personal', label: 'Personal' },
            ]}
            value={search.kind ?? null}
            onChange={(v) => setSearch({ kind: (v as AccountsSearch['kind']) ?? undefined })}
          />
          <Select
            label="Status"
            placeholder="Any status"
            clearable
            w={150}
            data={[
              { value: 'pending', label: 'Pending' },
              { value: 'active', label: 'Active' },
              { value: 'disabled', label: 'Disabled' },
            ]}
            value={search.status ?? null}
            onChange={(v) => setSearch({ status: (v as AccountsSearch['status']) ?? undefined })}
          />
          <Select
            label="ERP sync"
            placeholder="Any"
            clearable
            w={170}
            data={Object.entries(ERP_SYNC_LABELS).map(([value, s]) => ({ value, label: s.label }))}
            value={search.erpSync ?? null}
            onChange={(v) => setSearch({ erpSync: (v as AccountsSearch['erpSync']) ?? undefined })}
          />
          <CustomerGroupFilter
            value={search.customerGroup}
            onChange={(customerGroup) => setSearch({ customerGroup })}
          />
          <AttributeFilters definitions={attrs.filters} search={attrSearch} onChange={setSearch} />
        </Group>
        {selectable ? <SelectionBar member="account" selection={selection} /> : null}
        {list.isError ? <ErrorAlert error={list.error} /> : null}
        <Table.ScrollContainer minWidth={640}>
          <Table highlightOnHover verticalSpacing="xs" style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}>
            <Table.Thead>
              <Table.Tr>
                {selectable ? (
                  <Table.Th w={40}>
                    <Checkbox
                      aria-label="Select all accounts shown"
                      checked={accounts.length > 0 && shownSelected === accounts.length}
                      indeterminate={shownSelected > 0 && shownSelected < accounts.length}
                      disabled={accounts.length === 0}
                      onChange={(e) =>
                        selection.set(
                          accounts.map((a) => a.id),
                          e.currentTarget.checked,
                        )
                      }
                    />
                  </Table.Th>
                ) : null}
                <Table.Th>Number</Table.Th>
                <Table.Th>Code</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th ta="right">Contacts</Table.Th>
                <Table.Th>Groups</Table.Th>
                <AttributeHeaders definitions={attrs.columns} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {accounts.map((a) => (
                <Table.Tr
                  key={a.id}
                  className="row-link"
                  onClick={(e) => {
                    if ((e.target as HTMLElement).closest('a, input, label, .select-cell')) return;
                    void navigate({ to: '/accounts/$accountId', params: { accountId: a.id } });
                  }}
                  bg={selection.selected.has(a.id) ? 'var(--mantine-color-indigo-0)' : undefined}
                >
                  {selectable ? (
                    <Table.Td className="select-cell">
                      <Checkbox
                        aria-label={`Select ${a.name}`}
                        checked={selection.selected.has(a.id)}
                        onChange={(e) => selection.set([a.id], e.currentTarget.checked)}
                      />
                    </Table.Td>
                  ) : null}
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {a.number}
                    </Text>
                  </Table.Td>
                  <Table.Td>{a.code ?? '—'}</Table.Td>
                  <Table.Td>
                    <AnchorLink to="/accounts/$accountId" params={{ accountId: a.id }} size="sm" fw={500}>
                      {a.name}
                    </AnchorLink>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="outline" color="gray" size="sm">
                      {a.kind}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={a.status} />
                  </Table.Td>
                  <Table.Td ta="right">{a.contactCount}</Table.Td>
                  <Table.Td>
                    <GroupsCell keys={a.customerGroups} />
                  </Table.Td>
                  <AttributeCells definitions={attrs.columns} record={a} />
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {list.isSuccess && accounts.length === 0 ? (
          <Empty>
            {search.q ||
            search.kind ||
            search.status ||
            search.customerGroup ||
            search.erpSync ||
            Object.keys(attrSearch).length > 0
              ? 'No account matches these filters.'
              : 'No accounts yet.'}
          </Empty>
        ) : null}
        {list.isPending ? <Empty>Loading…</Empty> : null}
        {accounts.length > 0 ? (
          <LoadMore
            shown={accounts.length}
            hasNextPage={list.hasNextPage}
            isFetchingNextPage={list.isFetchingNextPage}
            fetchNextPage={list.fetchNextPage}
          />
        ) : null}
      </Paper>
      <AccountCreateDialog opened={createOpen} onClose={createDialog.close} />
    </>
  );
}
