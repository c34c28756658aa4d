import { Paper, Stack, Table, Tabs, Text } from '@mantine/core';
import { IconCalendarTime, IconFileImport, IconHistory } from '@tabler/icons-react';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useImportList, type ImportCounts, type ImportSummary } from '../../api/imports.ts';
import { useCan } from '../../api/session.ts';
import { AnchorLink, ButtonLink } from '../../components/links.tsx';
import { DateTime, Empty, ErrorAlert, LoadMore, PageHeader } from '../../components/ui.tsx';
import { formatNumber, ImportStatusBadge, TYPE_LABELS } from './labels.tsx';
import { SchedulesPanel } from './SchedulesPanel.tsx';

const route = getRouteApi('/portal/imports');

const COUNT_COLUMNS: { key: keyof ImportCounts; label: string; color: string }[] = [
  { key: 'created', label: 'Created', color: 'green.8' },
  { key: 'updated', label: 'Updated', color: 'blue.8' },
  { key: 'unchanged', label: 'Unchanged', color: 'gray.7' },
  { key: 'rejected', label: 'Rejected', color: 'red.8' },
];

function CountCell({ imp, k, color }: { imp: ImportSummary; k: keyof ImportCounts; color: string }) {
  const ran = ['running', 'completed', 'failed', 'cancelled'].includes(imp.status);
  const n = imp.counts[k];
  return (
    <Table.Td
      ta="right"
      c={!ran || n === 0 ? 'dimmed' : color}
      style={{ fontVariantNumeric: 'tabular-nums' }}
    >
      {ran ? formatNumber(n) : '—'}
    </Table.Td>
  );
}

/** The import history (newest first) and, on its own tab, the schedules that import from drop folders. */
export function ImportsPage() {
  const can = useCan();
  const navigate = useNavigate();
  const { tab } = route.useSearch();

  return (
    <>
      <PageHeader
        title="Imports"
        subtitle="Accounts and contacts added or updated from spreadsheets"
        actions={
          can('imports.run') ? (
            <ButtonLink to="/imports/new" leftSection={<IconFileImport size={16} />}>
              New import
            </ButtonLink>
          ) : null
        }
      />
      <Tabs
        value={tab ?? 'history'}
        onChange={(v) => void navigate({ to: '/imports', search: v === 'schedules' ? { tab: v } : {} })}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="history" leftSection={<IconHistory size={16} />}>
            History
          </Tabs.Tab>
          <Tabs.Tab value="schedules" leftSection={<IconCalendarTime size={16} />}>
            Schedules
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="history">
          <ImportHistory />
        </Tabs.Panel>
        <Tabs.Panel value="schedules">
          <SchedulesPanel />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}

function ImportHistory() {
  const can = useCan();
  const navigate = useNavigate();
  const list = useImportList();
  const imports = list.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <Paper withBorder p="md" radius="md">
        {list.isError ? <ErrorAlert error={list.error} /> : null}
        <Table.ScrollContainer minWidth={900}>
          <Table highlightOnHover verticalSpacing="xs" data-testid="imports-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Source</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Status</Table.Th>
                {COUNT_COLUMNS.map((c) => (
                  <Table.Th key={c.key} ta="right" w={90}>
                    {c.label}
                  </Table.Th>
                ))}
                <Table.Th>When and by whom</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {imports.map((imp) => (
                <Table.Tr
                  key={imp.id}
                  className="row-link"
                  onClick={(e) => {
                    if ((e.target as HTMLElement).closest('a')) return;
                    void navigate({ to: '/imports/$importId', params: { importId: imp.id } });
                  }}
                >
                  <Table.Td>
                    <AnchorLink
                      to="/imports/$importId"
                      params={{ importId: imp.id }}
                      size="sm"
                      fw={500}
                      lineClamp={2}
                      maw={320}
                      title={imp.sourceName}
                    >
                      {imp.sourceName}
                    </AnchorLink>
                    <Text size="xs" c="dimmed">
                      {imp.format === 'text' ? 'pasted rows' : imp.format.toUpperCase()}
                    </Text>
                  </Table.Td>
                  <Table.Td>{TYPE_LABELS[imp.type]}</Table.Td>
                  <Table.Td>
                    <ImportStatusBadge status={imp.status} />
                  </Table.Td>
                  {COUNT_COLUMNS.map((c) => (
                    <CountCell key={c.key} imp={imp} k={c.key} color={c.color} />
                  ))}
                  <Table.Td>
                    <Stack gap={0}>
                      <Text size="sm">
                        <DateTime iso={imp.createdAt} />
                      </Text>
                      <Text size="xs" c="dimmed" lineClamp={1} maw={220} title={imp.createdBy}>
                        {imp.createdBy}
                      </Text>
                      {imp.status === 'scheduled' && imp.scheduledAt ? (
                        <Text size="xs" c="violet.7" style={{ whiteSpace: 'nowrap' }}>
                          runs on <DateTime iso={imp.scheduledAt} />
                        </Text>
                      ) : null}
                    </Stack>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {list.isSuccess && imports.length === 0 ? (
          <Empty>
            {can('imports.run') ? 'No imports yet. Start one with “New import”.' : 'No imports yet.'}
          </Empty>
        ) : null}
        {list.isPending ? <Empty>Loading…</Empty> : null}
        {imports.length > 0 ? (
          <LoadMore
            shown={imports.length}
            hasNextPage={list.hasNextPage}
            isFetchingNextPage={list.isFetchingNextPage}
            fetchNextPage={list.fetchNextPage}
          />
        ) : null}
      </Paper>
    </>
  );
}
