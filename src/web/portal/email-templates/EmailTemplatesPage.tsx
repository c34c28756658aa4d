import { Badge, Group, Paper, Stack, Switch, Table, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useNavigate } from '@tanstack/react-router';
import { errorMessage } from '../../api/client.ts';
import {
  DEFAULT_LANGUAGE,
  useSystemEmails,
  useUpdateEmailSettings,
  type SystemEmailSummary,
} from '../../api/email-templates.ts';
import { useCan } from '../../api/session.ts';
import { Empty, ErrorAlert, PageHeader, PageLoader } from '../../components/ui.tsx';
import { AnchorLink } from '../../components/links.tsx';

function Recipients({ label, list }: { label: string; list: string[] }) {
  if (list.length === 0) return null;
  const shown = list.slice(0, 2).join(', ');
  const more = list.length > 2 ? ` +${list.length - 2}` : '';
  return (
    <Tooltip label={list.join(', ')} disabled={list.length <= 2} withinPortal>
      <Text size="xs" c="dimmed" lineClamp={1}>
        {label} {shown}
        {more}
      </Text>
    </Tooltip>
  );
}

function EnabledSwitch({ email, canWrite }: { email: SystemEmailSummary; canWrite: boolean }) {
  const update = useUpdateEmailSettings();
  const checked = update.isPending ? !!update.variables.body.enabled : email.enabled;
  return (
    <Switch
      aria-label={`Send “${email.name}”`}
      checked={checked}
      disabled={!canWrite}
      onChange={(e) => {
        const enabled = e.currentTarget.checked;
        update.mutate(
          { key: email.key, body: { enabled } },
          {
            onSuccess: () =>
              notifications.show({
                color: enabled ? 'green' : 'gray',
                message: enabled ? `“${email.name}” is switched on` : `“${email.name}” is switched off`,
              }),
            onError: (err) => notifications.show({ color: 'red', message: errorMessage(err) }),
          },
        );
      }}
    />
  );
}

/** The system emails: what each is for, whether it is sent, who is copied, which languages are edited. */
export function EmailTemplatesPage() {
  const list = useSystemEmails();
  const can = useCan();
  const navigate = useNavigate();
  const canWrite = can('emailTemplates.write');

  return (
    <>
      <PageHeader
        title="Email templates"
        subtitle="The emails Clientele sends to your customers, with their recipients and languages"
      />
      <Paper withBorder p="md" radius="md">
        {list.isPending ? <PageLoader /> : null}
        {list.isError ? <ErrorAlert error={list.error} /> : null}
        {list.isSuccess && list.data.length === 0 ? <Empty>No system emails.</Empty> : null}
        {list.isSuccess && list.data.length > 0 ? (
          <Table.ScrollContainer minWidth={720}>
            <Table highlightOnHover verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Email</Table.Th>
                  <Table.Th w={90}>Sent</Table.Th>
                  <Table.Th w={260}>Copies</Table.Th>
                  <Table.Th w={170}>Languages</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.map((e) => (
                  <Table.Tr
                    key={e.key}
                    className="row-link"
                    data-testid={`system-email-${e.key}`}
                    onClick={(ev) => {
                      if ((ev.target as HTMLElement).closest('a, input, label, button')) return;
                      void navigate({ to: '/email-templates/$key', params: { key: e.key }, search: {} });
                    }}
                  >
                    <Table.Td>
                      <Stack gap={2}>
                        <Group gap={6}>
                          <AnchorLink
                            to="/email-templates/$key"
                            params={{ key: e.key }}
                            search={{}}
                            size="sm"
                            fw={600}
                          >
                            {e.name}
                          </AnchorLink>
                          <Text span size="xs" c="dimmed" ff="monospace">
                            {e.key}
                          </Text>
                        </Group>
                        <Text size="xs" c="dimmed">
                          {e.description}
                        </Text>
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <EnabledSwitch email={e} canWrite={canWrite} />
                    </Table.Td>
                    <Table.Td>
                      {e.cc.length === 0 && e.bcc.length === 0 ? (
                        <Text size="xs" c="dimmed">
                          —
                        </Text>
                      ) : (
                        <Stack gap={0}>
                          <Recipients label="cc" list={e.cc} />
                          <Recipients label="bcc" list={e.bcc} />
                        </Stack>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {[
                          DEFAULT_LANGUAGE,
                          ...e.customisedLanguages.filter((l) => l !== DEFAULT_LANGUAGE),
                        ].map((l) =>
                          e.customisedLanguages.includes(l) ? (
                            <Badge key={l} variant="light" color="orange" radius="sm">
                              {l} · edited
                            </Badge>
                          ) : (
                            <Badge key={l} variant="light" color="gray" radius="sm">
                              {l} · default
                            </Badge>
                          ),
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
      </Paper>
    </>
  );
}
