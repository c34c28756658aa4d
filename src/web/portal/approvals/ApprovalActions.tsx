import { useState } from 'react';
import { Alert, Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconHourglass, IconX } from '@tabler/icons-react';
import { useApproveAccount, useRejectAccount } from '../../api/approvals.ts';
import { errorMessage, fieldErrorsOf, isApiError } from '../../api/client.ts';
import { ErrorAlert } from '../../components/ui.tsx';

const isConflict = (e: unknown) => isApiError(e) && e.code === 'conflict';

/** A decision someone else made first is news, not an error. */
function showRefusal(e: unknown) {
  notifications.show({ color: isConflict(e) ? 'yellow' : 'red', message: errorMessage(e) });
}

/** Approve and Reject… for one pending account; Reject asks for the reason the customer is told. */
export function ApprovalActions({
  account,
  size = 'sm',
}: {
  account: { id: string; name: string };
  size?: 'xs' | 'sm';
}) {
  const approve = useApproveAccount();
  const [rejecting, setRejecting] = useState(false);
  return (
    <>
      <Group gap="xs">
        <Button
          size={size}
          variant="default"
          leftSection={<IconX size={16} />}
          onClick={() => setRejecting(true)}
          disabled={approve.isPending}
        >
          Reject…
        </Button>
        <Button
          size={size}
          // teal.9 keeps white text at 5:1 (green.8 is 3.4:1, green.9 4.4:1).
          color="teal.9"
          leftSection={<IconCheck size={16} />}
          loading={approve.isPending}
          onClick={() =>
            approve.mutate(account.id, {
              onSuccess: () =>
                notifications.show({
                  color: 'green',
                  message: `${account.name} is approved; its contacts were emailed that they can sign in`,
                }),
              onError: showRefusal,
            })
          }
        >
          Approve
        </Button>
      </Group>
      {rejecting ? <RejectDialog account={account} onClose={() => setRejecting(false)} /> : null}
    </>
  );
}

/** On a pending account's page: what deciding does, and the decision. */
export function PendingApprovalBanner({ account }: { account: { id: string; name: string } }) {
  return (
    <Alert
      color="yellow"
      variant="light"
      mb="md"
      icon={<IconHourglass size={18} />}
      title="Waiting for approval"
      aria-label="Waiting for approval"
    >
      <Group justify="space-between" align="center" wrap="wrap" gap="sm">
        <Text size="sm" maw={620}>
          Approve to activate the account and its waiting contacts and email them that they can sign in;
          reject to disable them and email them your reason.
        </Text>
        <ApprovalActions account={account} />
      </Group>
    </Alert>
  );
}

function RejectDialog({ account, onClose }: { account: { id: string; name: string }; onClose: () => void }) {
  const reject = useRejectAccount();
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const serverErrors = fieldErrorsOf(reject.error);
  const submit = () => {
    if (!reason.trim()) {
      setMissing(true);
      return;
    }
    reject.mutate(
      { id: account.id, reason: reason.trim() },
      {
        onSuccess: () => {
          notifications.show({
            message: `${account.name} was rejected; its contacts were emailed the reason`,
          });
          onClose();
        },
        onError: (e) => {
          if (!isConflict(e)) return;
          showRefusal(e);
          onClose();
        },
      },
    );
  };
  return (
    <Modal opened onClose={onClose} title={`Reject ${account.name}`}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack>
          <Text size="sm">
            The account and its waiting contacts are disabled, and each of those contacts gets the “Account
            request declined” email with your reason.
          </Text>
          <Textarea
            label="Reason"
            description="Sent to the customer as you write it"
            placeholder="e.g. We only sell to registered businesses."
            required
            autosize
            minRows={3}
            maxLength={1000}
            data-autofocus
            value={reason}
            onChange={(e) => {
              setReason(e.currentTarget.value);
              setMissing(false);
            }}
            error={missing ? 'Give the reason the customer will read' : serverErrors.reason}
          />
          {reject.isError && !serverErrors.reason && !isConflict(reject.error) ? (
            <ErrorAlert error={reject.error} />
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="red" loading={reject.isPending}>
              Reject account
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
