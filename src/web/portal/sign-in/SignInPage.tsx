import { useEffect, useRef, useState } from 'react';
import {
  Alert,
  Button,
  Center,
  Group,
  Loader,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { getRouteApi, useRouter } from '@tanstack/react-router';
import { errorMessage, isApiError } from '../../api/client.ts';
import { useSession, useSignIn } from '../../api/session.ts';
import { AnchorLink } from '../../components/links.tsx';

const route = getRouteApi('/sign-in');

function signInError(e: unknown): string {
  if (isApiError(e) && e.status === 401) return 'The email or password is not correct.';
  if (isApiError(e) && e.status === 429) return 'Too many sign-in attempts. Wait a minute and try again.';
  return errorMessage(e);
}

/** Only same-site paths are followed after sign-in. */
const safeRedirect = (r: string | undefined) => (r && r.startsWith('/') && !r.startsWith('//') ? r : '/');

export function SignInPage() {
  const { redirect } = route.useSearch();
  const session = useSession();
  const signIn = useSignIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const router = useRouter();
  const signedIn = !!session.data;
  const redirected = useRef(false);

  useEffect(() => {
    if (!signedIn || redirected.current) return;
    redirected.current = true;
    void router.navigate({ href: safeRedirect(redirect), replace: true });
  }, [signedIn, redirect, router]);

  if (session.isPending || session.data) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }

  return (
    <Center mih="100vh" bg="gray.0" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={400} radius="md">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            signIn.mutate({ email: email.trim(), password });
          }}
        >
          <Stack>
            <Stack gap={4}>
              <Title order={2} c="indigo.7">
                Clientele
              </Title>
              <Text c="dimmed" size="sm">
                Sign in to the Operations Portal
              </Text>
            </Stack>
            {signIn.isError ? (
              <Alert color="red" icon={<IconAlertCircle size={18} />} role="alert">
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
                <AnchorLink to="/forgot-password" size="sm">
                  Forgot password?
                </AnchorLink>
              </Group>
            </Stack>
            <Button type="submit" loading={signIn.isPending} fullWidth>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
