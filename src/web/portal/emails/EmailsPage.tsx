import { useCallback } from 'react';
import { Group, Modal, Paper, Select, Stack, Table, Tabs, Text } from '@mantine/core';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useEmail, useEmailList } from '../../api/emails.ts';
import { SearchInput } from '../../components/SearchInput.tsx';
import {
  Empty,
  ErrorAlert,
  DateTime,
  formatDateTime,
  LoadMore,
  PageHeader,
  PageLoader,
  StatusBadge,
} from '../../components/ui.tsx';
import { AnchorLink } from '../../components/links.tsx';

const route = getRouteApi('/portal/emails');

export function EmailsPage() {
  const search = route.useSearch();
  const navigate = useNavigate({ from: '/emails' });
  const list = useEmailList({ to: search.to, status: search.status });
  const emails = list.data?.pages.flatMap((p) => p.items) ?? [];
  const onTo = useCallback(
    (to: string) => void navigate({ search: (prev) => ({ ...prev, to: to || undefined }), replace: true }),
    [navigate],
  );
  const open = (id: string | undefined) => void navigate({ search: (prev) => ({ ...prev, id }) });

  return (
    <>
      <PageHeader title="Email log" subtitle="System emails sent to contacts" />
      <Paper withBorder p="md" radius="md">
        <Group align="flex-end" mb="md" gap="sm" wrap="wrap">
          <SearchInput
            label="Recipient"
            placeholder="Email address"
            value={search.to ?? ''}
            onSearch={onTo}
            loading={list.isFetching && !list.isFetchingNextPage}
          />
          <Select
            label="Status"
            placeholder="Any status"
            clearable
            w={150}
            data={['queued', 'sending', 'sent', 'failed', 'captured']}
            value={search.status ?? null}
            onChange={(v) =>
              void navigate({ search: (prev) => ({ ...prev, status: v ?? undefined }), replace: true })
            }
          />
        </Group>
        {list.isError ? <ErrorAlert error={list.error} /> : null}
        <Table.ScrollContainer minWidth={680}>
          <Table highlightOnHover verticalSpacing="xs" style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Created</Table.Th>
                <Table.Th>To</Table.Th>
                <Table.Th>Subject</Table.Th>
                <Table.Th>Template</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {emails.map((m) => (
                <Table.Tr
                  key={m.id}
                  className="row-link"
                  onClick={(e) => {
                    if ((e.target as HTMLElement).closest('a')) return;
                    open(m.id);
                  }}
                >
                  <Table.Td>
                    <DateTime iso={m.createdAt} />
                  </Table.Td>
                  <Table.Td>{m.to}</Table.Td>
                  <Table.Td>
                    <AnchorLink to="/emails" search={{ ...search, id: m.id }} size="sm" fw={500}>
                      {m.subject}
                    </AnchorLink>
                  </Table.Td>
                  <Table.Td>{m.templateKey ?? '—'}</Table.Td>
                  <Table.Td>
                    <StatusBadge status={m.status} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {list.isSuccess && emails.length === 0 ? <Empty>No emails match.</Empty> : null}
        {list.isPending ? <Empty>Loading…</Empty> : null}
        {emails.length > 0 ? (
          <LoadMore
            shown={emails.length}
            hasNextPage={list.hasNextPage}
            isFetchingNextPage={list.isFetchingNextPage}
            fetchNextPage={list.fetchNextPage}
          />
        ) : null}
      </Paper>
      <EmailDialog id={search.id ?? null} onClose={() => open(undefined)} />
    </>
  );
}

function EmailDialog({ id, onClose }: { id: string | null; onClose: () => void }) {
  const email = useEmail(id);
  const m = email.data;
  return (
    <Modal opened={!!id} onClose={onClose} title={m?.subject ?? 'Email'} size="xl">
      {email.isPending && id ? <PageLoader /> : null}
      {email.isError ? <ErrorAlert error={email.error} /> : null}
      {m ? (
        <Stack gap="sm">
          <Stack gap={2}>
            <Text size="sm">
              <b>To:</b> {m.to}
              {m.cc.length ? ` · cc ${m.cc.join(', ')}` : ''}
              {m.bcc.length ? ` · bcc ${m.bcc.join(', ')}` : ''}
            </Text>
            <Group gap="xs">
              <StatusBadge status={m.status} />
              <Text size="xs" c="dimmed">
                {m.templateKey ?? 'no template'}
                {m.language ? ` · ${m.language}` : ''} · created {formatDateTime(m.createdAt)}
                {m.sentAt ? ` · sent ${formatDateTime(m.sentAt)}` : ''}
              </Text>
              {m.contactId ? (
                <AnchorLink to="/contacts/$contactId" params={{ contactId: m.contactId }} size="xs">
                  Open contact
                </AnchorLink>
              ) : null}
            </Group>
          </Stack>
          <Tabs defaultValue="html" keepMounted={false}>
            <Tabs.List>
              <Tabs.Tab value="html">HTML</Tabs.Tab>
              <Tabs.Tab value="text">Text</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="html" pt="sm">
              {/* Empty sandbox: no scripts, no forms, no same-origin access. */}
              <iframe title="Email HTML" sandbox="" srcDoc={m.html} className="email-frame" />
            </Tabs.Panel>
            <Tabs.Panel value="text" pt="sm">
              <Text
                component="pre"
                size="sm"
                ff="monospace"
                style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}
              >
                {m.text}
              </Text>
            </Tabs.Panel>
          </Tabs>
        </Stack>
      ) : null}
    </Modal>
  );
}
