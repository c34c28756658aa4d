import { useState } from 'react';
import {
  Alert,
  Button,
  Center,
  Divider,
  Group,
  Loader,
  Paper,
  PasswordInput,
  Stack,
  TextInput,
  Title,
} from '@mantine/core';
import { Navigate, useNavigate } from '../store-nav.tsx';
import { errorMessage, isApiError } from '../../api/client.ts';
import { useStoreRegistration, useStoreSession, useStoreSignIn } from '../../api/store.ts';
import { AnchorLink } from '../store-nav.tsx';
import { markAccountChoice } from '../account/account-choice.ts';

function signInError(e: unknown) {
  // Only someone with the right password hears that their login is not valid yet, or has expired.
  if (isApiError(e) && e.status === 401 && e.message.startsWith('Your login')) return `${e.message}.`;
  if (isApiError(e) && e.status === 401) return 'The email or password is not correct.';
  if (isApiError(e) && e.status === 429) return 'Too many attempts. Wait a minute and try again.';
  return errorMessage(e);
}

export function StoreSignInPage() {
  const session = useStoreSession();
  const signIn = useStoreSignIn();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  if (session.isPending) {
    return (
      <Center>
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (session.data) return <Navigate to="/store/account" replace />;

  return (
    <Paper withBorder p="xl" radius="md">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          signIn.mutate(
            { email: email.trim(), password },
            {
              onSuccess: (info) => {
                markAccountChoice(info);
                void navigate({ to: '/store/account' });
              },
            },
          );
        }}
      >
        <Stack>
          <Title order={2}>Sign in</Title>
          {signIn.isError ? (
            <Alert color="red" role="alert">
              {signInError(signIn.error)}
            </Alert>
          ) : null}
          <TextInput
            label="Email"
            type="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
          />
          <Stack gap={4}>
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            <Group justify="flex-end">
              <AnchorLink to="/store/reset" size="sm">
                Forgot password?
              </AnchorLink>
            </Group>
          </Stack>
          <Button type="submit" loading={signIn.isPending}>
            Sign in
          </Button>
          <SignUpLinks />
        </Stack>
      </form>
    </Paper>
  );
}

/** The seller's sign-up links (Settings → Customer data), each only when switched on. */
function SignUpLinks() {
  const { data } = useStoreRegistration();
  if (!data || (!data.newAccount.enabled && !data.newContact.enabled)) return null;
  return (
    <Stack gap="xs" data-testid="store-sign-up-links">
      <Divider label="No login yet?" labelPosition="center" />
      {data.newAccount.enabled ? (
        <AnchorLink to="/store/register" ta="center">
          {data.newAccount.linkText}
        </AnchorLink>
      ) : null}
      {data.newContact.enabled ? (
        <AnchorLink to="/store/join" ta="center">
          {data.newContact.linkText}
        </AnchorLink>
      ) : null}
    </Stack>
  );
}
