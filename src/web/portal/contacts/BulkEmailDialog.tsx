import { useState } from 'react';
import { Alert, Badge, Button, Group, Modal, Radio, Stack, Table, Text } from '@mantine/core';
import { IconInfoCircle } from '@tabler/icons-react';
import type { ContactSummary } from '../../../contracts/contacts.ts';
import {
  contactName,
  useSendContactEmails,
  type BulkEmailResult,
  type BulkEmailStatus,
  type ContactEmailKind,
} from '../../api/contacts.ts';
import { fetchEmail } from '../../api/emails.ts';
import type { EmailStatusValue } from '../../api/emails.ts';
import { ErrorAlert } from '../../components/ui.tsx';
import { AnchorLink } from '../../components/links.tsx';

const RESULT: Record<BulkEmailStatus, { label: string; color: string }> = {
  queued: { label: 'Queued', color: 'green' },
  captured: { label: 'In the email log (no SMTP)', color: 'teal' },
  not_found: { label: 'Not found', color: 'gray' },
  disabled: { label: 'Disabled', color: 'orange' },
  pending: { label: 'Awaiting approval', color: 'orange' },
  switched_off: { label: 'Switched off', color: 'red' },
};

interface BulkEmailDialogProps {
  opened: boolean;
  onClose: () => void;
  /** The selected contacts, in the order shown. */
  contacts: ContactSummary[];
  /** Called once the emails are written, to clear the selection. */
  onSent: () => void;
}

/** Sends the activation or password-reset email to the selected contacts, then lists each one's outcome. */
export function BulkEmailDialog({ opened, onClose, contacts, onSent }: BulkEmailDialogProps) {
  const [kind, setKind] = useState<ContactEmailKind>('activation');
  const send = useSendContactEmails();
  const [sent, setSent] = useState<{ contacts: ContactSummary[]; results: BulkEmailResult[] } | null>(null);
  const [deliveryStatus, setDeliveryStatus] = useState<EmailStatusValue>();

  const close = () => {
    setSent(null);
    setDeliveryStatus(undefined);
    send.reset();
    onClose();
  };

  const submit = () =>
    send.mutate(
      { contactIds: contacts.map((c) => c.id), kind },
      {
        onSuccess: ({ results }) => {
          setSent({ contacts, results });
          onSent();
          // Say honestly whether the emails go out or stay in the log (no SMTP).
          const first = results.find((r) => r.emailId)?.emailId;
          if (first)
            void fetchEmail(first).then(
              (m) => setDeliveryStatus(m.status),
              () => undefined,
            );
        },
      },
    );

  const byId = new Map((sent?.contacts ?? contacts).map((c) => [c.id, c]));
  const counts = (sent?.results ?? []).reduce<Partial<Record<BulkEmailStatus, number>>>((acc, r) => {
    acc[r.status] = (acc[r.status] ?? 0) + 1;
    return acc;
  }, {});

  return (
    <Modal opened={opened} onClose={close} title={sent ? 'Emails sent' : 'Send email'} size="lg">
      {sent ? (
        <Stack gap="sm">
          <Group gap="xs">
            {(Object.keys(RESULT) as BulkEmailStatus[])
              .filter((s) => counts[s])
              .map((s) => (
                <Badge key={s} variant="light" color={RESULT[s].color} radius="sm" size="lg">
                  {counts[s]} {RESULT[s].label.toLowerCase()}
                </Badge>
              ))}
          </Group>
          {deliveryStatus === 'captured' ? (
            <Alert color="blue" variant="light" icon={<IconInfoCircle size={18} />} p="xs">
              Email delivery is not set up: the emails were written to the email log and not sent.
            </Alert>
          ) : null}
          <Table verticalSpacing="xs" data-testid="bulk-email-results">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Contact</Table.Th>
                <Table.Th>Result</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sent.results.map((r) => {
                const c = byId.get(r.contactId);
                return (
                  <Table.Tr key={r.contactId}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {c ? contactName(c) || c.email : r.contactId}
                      </Text>
                      {c ? (
                        <Text size="xs" c="dimmed">
                          {c.email}
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      <Group gap="xs">
                        <Badge variant="light" color={RESULT[r.status].color} radius="sm">
                          {RESULT[r.status].label}
                        </Badge>
                        {r.emailId ? (
                          <AnchorLink to="/emails" search={{ id: r.emailId }} size="xs" onClick={close}>
                            View email
                          </AnchorLink>
                        ) : null}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <Stack>
            <Text size="sm">
              To {contacts.length === 1 ? '1 selected contact' : `${contacts.length} selected contacts`}. Each
              gets a new single-use link; earlier links of the same kind stop working.
            </Text>
            <Radio.Group
              label="Email"
              value={kind}
              onChange={(v) => setKind(v === 'password-reset' ? 'password-reset' : 'activation')}
            >
              <Stack gap="xs" mt={6}>
                <Radio
                  value="activation"
                  label="Activation email"
                  description="Welcome, with a link to choose a password"
                />
                <Radio
                  value="password-reset"
                  label="Password reset"
                  description="A link to choose a new password"
                />
              </Stack>
            </Radio.Group>
            {send.isError ? <ErrorAlert error={send.error} /> : null}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={send.isPending}>
                Send to {contacts.length === 1 ? '1 contact' : `${contacts.length} contacts`}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
