import { Paper, Stack, Text, Title } from '@mantine/core';
import { AnchorLink, ButtonLink } from './store-nav.tsx';
import { SuccessMessage } from '../components/ui.tsx';

/** A sign-up flow the seller switched off: say so plainly, and lead back to signing in. */
export function FlowUnavailable({ title, children }: { title: string; children: string }) {
  return (
    <Paper withBorder p="xl" radius="md">
      <Stack align="flex-start">
        <Title order={2}>{title}</Title>
        <Text>{children}</Text>
        <ButtonLink to="/store/sign-in">Back to sign-in</ButtonLink>
      </Stack>
    </Paper>
  );
}

/**
 * A request that is not (yet) a signed-in account: waiting for approval, or an email that already has a
 * login (the owner of the email got a message). The server's words say which, without telling whom.
 */
export function RequestReceived({ message, email }: { message: string; email: string }) {
  return (
    <Paper withBorder p="xl" radius="md">
      <SuccessMessage title="Thanks — we’ll be in touch">
        <Text data-testid="store-request-received">{message}</Text>
        <Title order={3} size="h5">
          What happens next
        </Title>
        <Text size="sm">
          We sent an email to <b>{email}</b>. It tells you what to do next. If it has not arrived in a few
          minutes, look in your spam or junk folder.
        </Text>
        <AnchorLink to="/store/sign-in" size="sm">
          Back to sign-in
        </AnchorLink>
      </SuccessMessage>
    </Paper>
  );
}
