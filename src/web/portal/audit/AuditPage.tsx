import { useCallback } from 'react';
import { Group, Paper, Select } from '@mantine/core';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useAuditList } from '../../api/audit.ts';
import { AuditTable } from '../../components/AuditList.tsx';
import { SearchInput } from '../../components/SearchInput.tsx';
import { AuditFilterFields } from './AuditFilters.tsx';
import { auditFiltersOf } from './audit-search.ts';
import { Empty, ErrorAlert, LoadMore, PageHeader } from '../../components/ui.tsx';

const route = getRouteApi('/portal/audit');
const ENTITY_TYPES = ['account', 'contact', 'employee', 'role', 'group-role', 'api-key', 'email'];

export function AuditPage() {
  const search = route.useSearch();
  const navigate = useNavigate({ from: '/audit' });
  const list = useAuditList({
    entityType: search.entityType,
    entityId: search.entityId,
    ...auditFiltersOf(search),
  });
  const entries = list.data?.pages.flatMap((p) => p.items) ?? [];
  const types =
    search.entityType && !ENTITY_TYPES.includes(search.entityType)
      ? [...ENTITY_TYPES, search.entityType]
      : ENTITY_TYPES;
  const onEntityId = useCallback(
    (id: string) =>
      void navigate({ search: (prev) => ({ ...prev, entityId: id || undefined }), replace: true }),
    [navigate],
  );

  return (
    <>
      <PageHeader title="Audit log" subtitle="Who changed what, when and from where" />
      <Paper withBorder p="md" radius="md">
        <Group align="flex-end" mb="md" gap="sm" wrap="wrap">
          <Select
            label="Entity type"
            placeholder="Any type"
            clearable
            w={180}
            data={types}
            value={search.entityType ?? null}
            onChange={(v) =>
              void navigate({ search: (prev) => ({ ...prev, entityType: v ?? undefined }), replace: true })
            }
          />
          <SearchInput
            label="Entity ID"
            placeholder="The record’s id"
            value={search.entityId ?? ''}
            onSearch={onEntityId}
            loading={list.isFetching && !list.isFetchingNextPage}
          />
          <AuditFilterFields />
        </Group>
        {list.isError ? <ErrorAlert error={list.error} /> : null}
        <div style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}>
          {entries.length > 0 ? <AuditTable entries={entries} /> : null}
        </div>
        {list.isSuccess && entries.length === 0 ? <Empty>No entries match.</Empty> : null}
        {list.isPending ? <Empty>Loading…</Empty> : null}
        {entries.length > 0 ? (
          <LoadMore
            shown={entries.length}
            hasNextPage={list.hasNextPage}
            isFetchingNextPage={list.isFetchingNextPage}
            fetchNextPage={list.fetchNextPage}
          />
        ) : null}
      </Paper>
    </>
  );
}
