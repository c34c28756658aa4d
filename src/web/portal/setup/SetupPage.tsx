import { useState, type ReactNode } from 'react';
import {
  Alert,
  Button,
  Center,
  Loader,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { errorMessage, fieldErrorsOf, isApiError } from '../../api/client.ts';
import { unusableLink, useTokenCheck } from '../../api/tokens.ts';
import { useSession, useSetup } from '../../api/session.ts';
import { ButtonLink } from '../../components/links.tsx';

const route = getRouteApi('/setup');
const MIN_LENGTH = 10;

/** The same card as the sign-in page. */
function Card({ subtitle, children }: { subtitle: string; children: ReactNode }) {
  return (
    <Center mih="100vh" bg="gray.0" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={440} radius="md">
        <Stack>
          <Stack gap={4}>
            <Title order={2} c="indigo.7">
              Clientele
            </Title>
            <Text c="dimmed" size="sm">
              {subtitle}
            </Text>
          </Stack>
          {children}
        </Stack>
      </Paper>
    </Center>
  );
}

function AlreadySetUp({ signedInAs }: { signedInAs?: string }) {
  return (
    <Card subtitle="First-time setup">
      <Title order={3}>Clientele is already set up</Title>
      {signedInAs ? (
        <>
          <Text size="sm">
            An administrator exists, and you are signed in as <b>{signedInAs}</b>.
          </Text>
          <ButtonLink to="/accounts" search={{}} fullWidth>
            Open the Operations Portal
          </ButtonLink>
        </>
      ) : (
        <>
          <Text size="sm">
            An administrator exists, so this setup link is no longer needed. Sign in with your email and
            password; an administrator can add more employees.
          </Text>
          <ButtonLink to="/sign-in" search={{}} fullWidth>
            Sign in
          </ButtonLink>
        </>
      )}
    </Card>
  );
}

function LinkProblem({ message }: { message: string }) {
  return (
    <Card subtitle="First-time setup">
      <Title order={3}>This setup link cannot be used</Title>
      <Alert color="orange" icon={<IconAlertCircle size={18} />} role="alert">
        {message}
      </Alert>
      <Text size="sm">
        Setup links work once and expire after 24 hours. To get a new link, restart the Clientele server:
        while no employee exists, it prints a fresh setup link to its log.
      </Text>
    </Card>
  );
}

/** Creates the first administrator from the one-time link the server prints on an empty database. */
export function SetupPage() {
  const { token } = route.useSearch();
  const session = useSession();
  const setup = useSetup();
  const unusable = unusableLink(useTokenCheck('employee-setup', token));
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [localErrors, setLocalErrors] = useState<{ password?: string; confirm?: string }>({});

  // After a successful setup the session is set while the page navigates away.
  if (session.isPending || setup.isSuccess) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (session.data) return <AlreadySetUp signedInAs={session.data.employee.email} />;

  const err = setup.error;
  if (isApiError(err) && err.code === 'conflict') return <AlreadySetUp />;
  if (!token) {
    return (
      <LinkProblem message="The setup link is incomplete. Copy the whole address, including ?token=…, from the server log." />
    );
  }
  // A used setup link means the first administrator exists.
  if (unusable)
    return unusable.reason === 'used' ? <AlreadySetUp /> : <LinkProblem message={unusable.message} />;
  if (isApiError(err) && (err.code === 'unprocessable' || err.code === 'not_found')) {
    return <LinkProblem message={err.message} />;
  }
  const serverErrors = fieldErrorsOf(err);
  if (serverErrors.token) {
    return (
      <LinkProblem message="This link is not valid. Check that you copied the whole address from the server log." />
    );
  }
  const fieldError = (key: 'email' | 'name' | 'password') => serverErrors[key];
  const shownInFields = !!(serverErrors.email ?? serverErrors.name ?? serverErrors.password);
  const otherError = err && !shownInFields ? errorMessage(err) : undefined;

  return (
    <Card subtitle="Create the first administrator">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const problems: typeof localErrors = {};
          if (password.length < MIN_LENGTH) problems.password = `Use at least ${MIN_LENGTH} characters`;
          if (confirm !== password) problems.confirm = 'The passwords do not match';
          setLocalErrors(problems);
          if (Object.keys(problems).length > 0) return;
          setup.mutate(
            { token, email: email.trim(), name: name.trim() || null, password },
            { onSuccess: () => void navigate({ to: '/accounts', search: {}, replace: true }) },
          );
        }}
      >
        <Stack>
          <Text size="sm">
            Nobody can sign in yet. The account you create here is an administrator: it can add employees,
            accounts and contacts.
          </Text>
          {otherError ? (
            <Alert color="red" icon={<IconAlertCircle size={18} />} role="alert">
              {otherError}
            </Alert>
          ) : null}
          <TextInput
            label="Email"
            description="You sign in with this email"
            type="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={fieldError('email')}
          />
          <TextInput
            label="Name"
            description="Optional"
            autoComplete="name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={fieldError('name')}
          />
          <PasswordInput
            label="Password"
            description={`At least ${MIN_LENGTH} characters`}
            autoComplete="new-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={localErrors.password ?? fieldError('password')}
            // Mantine marks only TextInput invalid for assistive technology, not PasswordInput.
            aria-invalid={!!(localErrors.password ?? fieldError('password'))}
          />
          <PasswordInput
            label="Confirm password"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            error={localErrors.confirm}
            aria-invalid={!!localErrors.confirm}
          />
          <Button type="submit" loading={setup.isPending} fullWidth>
            Create administrator
          </Button>
        </Stack>
      </form>
    </Card>
  );
}
