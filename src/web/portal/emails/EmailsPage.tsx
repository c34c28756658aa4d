import { useCallback } from 'react';
import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Modal,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle, IconInfoCircle, IconSend } from '@tabler/icons-react';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import type { EmailMessage } from '../../../contracts/emails.ts';
import { errorMessage } from '../../api/client.ts';
import {
  EMAIL_STATUSES,
  emailOutcome,
  fetchEmail,
  useEmail,
  useEmailAttempts,
  useEmailList,
  useResendEmail,
  type EmailAttempt,
  type EmailStatusValue,
} from '../../api/emails.ts';
import { useSystemEmails } from '../../api/email-templates.ts';
import { useCan } from '../../api/session.ts';
import { SearchInput } from '../../components/SearchInput.tsx';
import {
  Empty,
  ErrorAlert,
  DateTime,
  Field,
  formatDateTime,
  LoadMore,
  PageHeader,
  PageLoader,
  StatusBadge,
} from '../../components/ui.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { EmailFrame } from '../../components/EmailFrame.tsx';

const route = getRouteApi('/portal/emails');

// Known system emails, for employees who cannot read the templates list.
const KNOWN_TEMPLATES = [
  'accountactivation',
  'password-reset',
  'new-account-request-confirmation',
  'account-approved',
  'account-rejected',
  'new-contact-confirmation',
  'login-created',
];

const STATUS_LABELS: Record<EmailStatusValue, string> = {
  queued: 'Queued',
  sending: 'Sending',
  sent: 'Sent',
  failed: 'Failed',
  captured: 'Captured (not sent)',
};

export function EmailsPage() {
  const search = route.useSearch();
  const navigate = useNavigate({ from: '/emails' });
  const can = useCan();
  const templates = useSystemEmails(can('emailTemplates.read'));
  const list = useEmailList({
    to: search.to,
    templateKey: search.templateKey,
    status: search.status,
    since: search.since,
    until: search.until,
  });
  const emails = list.data?.pages.flatMap((p) => p.items) ?? [];
  const onTo = useCallback(
    (to: string) => void navigate({ search: (prev) => ({ ...prev, to: to || undefined }), replace: true }),
    [navigate],
  );
  const open = (id: string | undefined) => void navigate({ search: (prev) => ({ ...prev, id }) });
  const templateName = (key: string | null) =>
    (key && templates.data?.find((t) => t.key === key)?.name) ?? key ?? '—';
  const templateOptions = templates.data
    ? templates.data.map((t) => ({ value: t.key, label: t.name }))
    : KNOWN_TEMPLATES.map((k) => ({ value: k, label: k }));
  if (search.templateKey && !templateOptions.some((o) => o.value === search.templateKey))
    templateOptions.push({ value: search.templateKey, label: search.templateKey });
  const captured = emails.some((m) => m.status === 'captured');

  return (
    <>
      <PageHeader title="Email log" subtitle="Every email Clientele wrote, and what happened to it" />
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
            label="Template"
            placeholder="Any template"
            clearable
            w={260}
            data={templateOptions}
            value={search.templateKey ?? null}
            onChange={(v) =>
              void navigate({ search: (prev) => ({ ...prev, templateKey: v ?? undefined }), replace: true })
            }
            comboboxProps={{ withinPortal: true }}
          />
          <Select
            label="Status"
            placeholder="Any status"
            clearable
            w={200}
            data={EMAIL_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }))}
            value={search.status ?? null}
            onChange={(v) =>
              void navigate({
                search: (prev) => ({ ...prev, status: EMAIL_STATUSES.find((s) => s === v) }),
                replace: true,
              })
            }
            comboboxProps={{ withinPortal: true }}
          />
          <TextInput
            type="date"
            label="From"
            w={170}
            value={search.since ?? ''}
            onChange={(e) =>
              void navigate({
                search: (prev) => ({ ...prev, since: e.currentTarget.value || undefined }),
                replace: true,
              })
            }
          />
          <TextInput
            type="date"
            label="Until"
            w={170}
            value={search.until ?? ''}
            onChange={(e) =>
              void navigate({
                search: (prev) => ({ ...prev, until: e.currentTarget.value || undefined }),
                replace: true,
              })
            }
          />
        </Group>
        {captured ? (
          <Alert color="blue" variant="light" icon={<IconInfoCircle size={18} />} p="xs" mb="sm">
            Emails marked <b>captured</b> were kept here and not sent: email delivery (SMTP_URL) is not set
            up.
          </Alert>
        ) : null}
        {list.isError ? <ErrorAlert error={list.error} /> : null}
        <Table.ScrollContainer minWidth={720}>
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
                  <Table.Td>
                    <Text size="sm" lineClamp={1}>
                      {templateName(m.templateKey)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <StatusBadge status={m.status} />
                      {m.status !== 'sent' && m.attempts > 0 ? (
                        <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                          {m.attempts === 1 ? '1 attempt' : `${m.attempts} attempts`}
                        </Text>
                      ) : null}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {list.isSuccess && emails.length === 0 ? (
          <Empty>
            {search.to || search.status || search.templateKey || search.since || search.until
              ? 'No emails match.'
              : 'No emails yet.'}
          </Empty>
        ) : null}
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
      <EmailDialog
        id={search.id ?? null}
        onClose={() => open(undefined)}
        onOpen={open}
        templateName={templateName}
      />
    </>
  );
}

const OUTCOME: Record<EmailAttempt['outcome'], { label: string; color: string }> = {
  sent: { label: 'delivered', color: 'green' },
  'temporary-failure': { label: 'temporary failure', color: 'yellow' },
  'permanent-failure': { label: 'permanent failure', color: 'red' },
};

function Attempts({ email }: { email: EmailMessage }) {
  const attempts = useEmailAttempts(email.id, email.status);
  if (attempts.isPending) return <PageLoader />;
  if (attempts.isError) return <ErrorAlert error={attempts.error} />;
  if (attempts.data.length === 0) {
    return (
      <Empty>
        {email.status === 'captured'
          ? 'No delivery attempts: email delivery is not set up, so this email was kept here instead of sent.'
          : 'No delivery attempts yet.'}
      </Empty>
    );
  }
  return (
    <Table verticalSpacing="xs" data-testid="email-attempts">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>When</Table.Th>
          <Table.Th>Outcome</Table.Th>
          <Table.Th>Server response</Table.Th>
          <Table.Th ta="right">Took</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {attempts.data.map((a, i) => (
          <Table.Tr key={i}>
            <Table.Td>
              <DateTime iso={a.at} />
            </Table.Td>
            <Table.Td>
              <Badge variant="light" color={OUTCOME[a.outcome]?.color ?? 'gray'} radius="sm">
                {OUTCOME[a.outcome]?.label ?? a.outcome}
              </Badge>
            </Table.Td>
            <Table.Td>
              <Text size="xs" ff="monospace" style={{ wordBreak: 'break-word' }}>
                {a.response ?? '—'}
              </Text>
            </Table.Td>
            <Table.Td ta="right">
              <Text size="xs" c="dimmed">
                {a.durationMs === null ? '—' : `${a.durationMs} ms`}
              </Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function EmailDialog({
  id,
  onClose,
  onOpen,
  templateName,
}: {
  id: string | null;
  onClose: () => void;
  onOpen: (id: string) => void;
  templateName: (key: string | null) => string;
}) {
  const email = useEmail(id);
  const can = useCan();
  const resend = useResendEmail();
  const m = email.data;

  const onResend = (m: EmailMessage) =>
    resend.mutate(m.id, {
      onSuccess: ({ emailId }) => {
        onOpen(emailId);
        void fetchEmail(emailId)
          .catch(() => undefined)
          .then((copy) =>
            notifications.show({
              color: 'green',
              title: 'Email re-sent',
              message: `A new copy to ${m.to} was ${emailOutcome(copy?.status)}.`,
            }),
          );
      },
      onError: (e) => notifications.show({ color: 'red', message: errorMessage(e) }),
    });

  return (
    <Modal opened={!!id} onClose={onClose} title={m?.subject ?? 'Email'} size="xl">
      {email.isPending && id ? <PageLoader /> : null}
      {email.isError ? <ErrorAlert error={email.error} /> : null}
      {m ? (
        <Stack gap="sm">
          <Group justify="space-between" align="flex-start" wrap="nowrap">
            <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="xs" verticalSpacing={6} style={{ flex: 1 }}>
              <Field label="Subject">{m.subject}</Field>
              <Field label="From">
                {m.fromAddress
                  ? `${m.fromName ? `${m.fromName} ` : ''}<${m.fromAddress}>`
                  : 'The default sender (EMAIL_FROM)'}
              </Field>
              <Field label="To">{m.to}</Field>
              <Field label="Cc">{m.cc.length ? m.cc.join(', ') : null}</Field>
              <Field label="Bcc">{m.bcc.length ? m.bcc.join(', ') : null}</Field>
              <Field label="Template">
                {templateName(m.templateKey)}
                {m.language ? ` · ${m.language}` : ''}
              </Field>
              <Field label="Status">
                <Group gap={6}>
                  <StatusBadge status={m.status} />
                  <Text size="xs" c="dimmed">
                    created {formatDateTime(m.createdAt)}
                    {m.sentAt ? ` · sent ${formatDateTime(m.sentAt)}` : ''}
                    {m.nextAttemptAt && m.status !== 'sent'
                      ? ` · next attempt ${formatDateTime(m.nextAttemptAt)}`
                      : ''}
                  </Text>
                </Group>
              </Field>
            </SimpleGrid>
            {can('emails.send') ? (
              <Button
                variant="default"
                leftSection={<IconSend size={16} />}
                loading={resend.isPending}
                onClick={() => onResend(m)}
              >
                Resend
              </Button>
            ) : null}
          </Group>
          {m.contactId ? (
            <AnchorLink to="/contacts/$contactId" params={{ contactId: m.contactId }} size="xs">
              Open contact
            </AnchorLink>
          ) : null}
          {m.lastError ? (
            <Alert color="red" icon={<IconAlertCircle size={18} />} title="Last error" p="xs">
              <Code block style={{ whiteSpace: 'pre-wrap', background: 'transparent', padding: 0 }}>
                {m.lastError}
              </Code>
            </Alert>
          ) : null}
          <Tabs defaultValue="html" keepMounted={false}>
            <Tabs.List>
              <Tabs.Tab value="html">HTML</Tabs.Tab>
              <Tabs.Tab value="text">Text</Tabs.Tab>
              <Tabs.Tab value="attempts">
                Delivery attempts{m.attempts > 0 ? ` (${m.attempts})` : ''}
              </Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="html" pt="sm">
              <EmailFrame title="Email HTML" html={m.html} />
            </Tabs.Panel>
            <Tabs.Panel value="text" pt="sm">
              <Text component="pre" size="sm" ff="monospace" className="email-text">
                {m.text}
              </Text>
            </Tabs.Panel>
            <Tabs.Panel value="attempts" pt="sm">
              <Attempts email={m} />
            </Tabs.Panel>
          </Tabs>
        </Stack>
      ) : null}
    </Modal>
  );
}
