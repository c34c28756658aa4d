import { Button, Center, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { Navigate, useNavigate } from '../store-nav.tsx';
import { useStoreSession, useStoreSignOut } from '../../api/store.ts';
import { ErrorAlert } from '../../components/ui.tsx';
import { StoreAccountSwitcher } from './StoreAccountSwitcher.tsx';

export function StoreAccountPage() {
  const session = useStoreSession();
  const signOut = useStoreSignOut();
  const navigate = useNavigate();

  if (session.isPending) {
    return (
      <Center>
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (session.isError) return <ErrorAlert error={session.error} />;
  if (!session.data) return <Navigate to="/store/sign-in" replace />;
  const { contact, account } = session.data;

  return (
    <Paper withBorder p="xl" radius="md">
      <Stack>
        <Title order={2}>Your account</Title>
        <Text data-testid="store-signed-in-as">
          Signed in as <b>{`${contact.firstName} ${contact.lastName}`.trim() || contact.email}</b> (
          {contact.email})
        </Text>
        {account ? (
          <Text data-testid="store-account-name">
            {account.name}{' '}
            <Text span c="dimmed" size="sm">
              · account {account.number}
            </Text>
          </Text>
        ) : null}
        <StoreAccountSwitcher session={session.data} />
        <Button
          variant="default"
          loading={signOut.isPending}
          onClick={() =>
            signOut.mutate(undefined, { onSettled: () => void navigate({ to: '/store/sign-in' }) })
          }
        >
          Sign out
        </Button>
      </Stack>
    </Paper>
  );
}
