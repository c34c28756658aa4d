import { useRef, useState, type ChangeEvent } from 'react';
import {
  Alert,
  Box,
  Button,
  Center,
  Group,
  Loader,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useNavigate } from '../store-nav.tsx';
import { errorMessage, isApiError, tokenProblem } from '../../api/client.ts';
import { useJoin, useJoinVerify, useStoreRegistration, type JoinVerifyResult } from '../../api/store.ts';
import { AddressText } from '../../components/AddressText.tsx';
import { AnchorLink } from '../store-nav.tsx';
import { ErrorAlert } from '../../components/ui.tsx';
import { focusFirstInvalid, looksLikeEmail, serverFieldErrors } from '../form-errors.ts';
import { FormProblems, NewLoginFields, passwordProblems } from '../NewLoginFields.tsx';
import { FlowUnavailable, RequestReceived } from '../SignUpOutcome.tsx';

/** `/store/join`: prove you belong to an existing account, confirm it, then create your login. */
export function JoinPage() {
  const info = useStoreRegistration();
  const [verified, setVerified] = useState<JoinVerifyResult | null>(null);

  if (info.isPending) {
    return (
      <Center>
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (info.isError) return <ErrorAlert error={info.error} />;
  if (!info.data.newContact.enabled) {
    return (
      <FlowUnavailable title="Creating a login for an existing account is not available">
        This store does not create logins online. Ask a colleague who already signs in, or contact us, to get
        a login for your company’s account.
      </FlowUnavailable>
    );
  }
  return verified ? (
    <CreateLogin verified={verified} onStartAgain={() => setVerified(null)} />
  ) : (
    <VerifyAccount onVerified={setVerified} />
  );
}

type VerifyField = 'accountNumber' | 'postalCode' | 'invoiceNumber';

function VerifyAccount({ onVerified }: { onVerified: (r: JoinVerifyResult) => void }) {
  const verify = useJoinVerify();
  const formRef = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<Record<VerifyField, string>>({
    accountNumber: '',
    postalCode: '',
    invoiceNumber: '',
  });
  const [errors, setErrors] = useState<Partial<Record<VerifyField, string>>>({});

  const input = (field: VerifyField) => ({
    value: values[field],
    onChange: (e: ChangeEvent<HTMLInputElement>) => {
      const value = e.currentTarget.value;
      setValues((v) => ({ ...v, [field]: value }));
      setErrors((er) => ({ ...er, [field]: undefined }));
    },
    error: errors[field],
  });

  const refused = verify.error;
  const refusal = !refused
    ? null
    : isApiError(refused) && refused.status === 422
      ? 'These details don’t match our records. Check them against a recent invoice and try again.'
      : errorMessage(refused);

  return (
    <Paper withBorder p="xl" radius="md">
      <form
        ref={formRef}
        noValidate
        aria-labelledby="join-title"
        onSubmit={(e) => {
          e.preventDefault();
          const problems: Partial<Record<VerifyField, string>> = {};
          if (!values.accountNumber.trim()) problems.accountNumber = 'Enter your account number';
          if (!values.postalCode.trim()) problems.postalCode = 'Enter the ZIP or postal code';
          if (!values.invoiceNumber.trim()) problems.invoiceNumber = 'Enter an invoice number';
          setErrors(problems);
          if (Object.keys(problems).length) {
            focusFirstInvalid(formRef.current);
            return;
          }
          verify.mutate(
            {
              accountNumber: values.accountNumber.trim(),
              postalCode: values.postalCode.trim(),
              invoiceNumber: values.invoiceNumber.trim(),
            },
            { onSuccess: onVerified },
          );
        }}
      >
        <Stack>
          <Stack gap={4}>
            <Title order={2} id="join-title">
              Create a login for your company
            </Title>
            <Text size="sm" c="dimmed">
              Your company already buys from us? Confirm three details from your paperwork, then choose your
              login. Step 1 of 2.
            </Text>
          </Stack>
          <TextInput
            label="Account number"
            description="Printed on every invoice and statement we send you."
            autoComplete="off"
            required
            autoFocus
            {...input('accountNumber')}
          />
          <TextInput
            label="Billing ZIP / postal code"
            description="Of the billing address on your invoices."
            autoComplete="postal-code"
            required
            {...input('postalCode')}
          />
          <TextInput
            label="Invoice number"
            description="Any invoice from us dated in the last 12 months."
            autoComplete="off"
            required
            {...input('invoiceNumber')}
          />
          {refusal ? (
            <Alert color="red" role="alert">
              {refusal}
            </Alert>
          ) : null}
          <Button type="submit" loading={verify.isPending}>
            Continue
          </Button>
          <AnchorLink to="/store/sign-in" size="sm">
            Back to sign-in
          </AnchorLink>
        </Stack>
      </form>
    </Paper>
  );
}

type LoginField = 'firstName' | 'lastName' | 'email' | 'phone' | 'workPhone' | 'password' | 'confirm';

function CreateLogin({ verified, onStartAgain }: { verified: JoinVerifyResult; onStartAgain: () => void }) {
  const join = useJoin();
  const info = useStoreRegistration();
  // The phones are asked for only when Settings make them mandatory (the API refuses a join without them).
  const mandatory: readonly string[] = info.data?.requiredFields ?? [];
  const navigate = useNavigate();
  const formRef = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<Record<LoginField | 'website', string>>({
    firstName: '',
    lastName: '',
    email: '',
    phone: '',
    workPhone: '',
    password: '',
    confirm: '',
    website: '',
  });
  const [errors, setErrors] = useState<Partial<Record<LoginField, string>>>({});
  const { account } = verified;
  const address = account.billingAddress;

  if (join.data?.outcome === 'pending') {
    return <RequestReceived message={join.data.message} email={values.email.trim()} />;
  }
  // The confirmation was used, or timed out: the details must be checked again.
  const tokenIssue = tokenProblem(join.error);
  if (tokenIssue && isApiError(join.error)) {
    return (
      <Paper withBorder p="xl" radius="md">
        <Stack align="flex-start">
          <Title order={2}>Please check your details again</Title>
          <Alert color="orange" role="alert" w="100%">
            {join.error.message}
          </Alert>
          <Button onClick={onStartAgain}>Check my details again</Button>
        </Stack>
      </Paper>
    );
  }

  const set = (field: LoginField | 'website') => (value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    if (field !== 'website') setErrors((er) => ({ ...er, [field]: undefined }));
  };
  const input = (field: LoginField) => ({
    value: values[field],
    onChange: (e: ChangeEvent<HTMLInputElement>) => set(field)(e.currentTarget.value),
    error: errors[field],
  });
  const fieldErrorShown = Object.values(errors).some(Boolean);
  const otherError =
    join.isError && !Object.keys(serverFieldErrors(join.error)).length ? errorMessage(join.error) : null;

  return (
    <Stack>
      <Paper withBorder p="xl" radius="md">
        <Stack gap="xs">
          <Title order={2}>Is this your company?</Title>
          <Box
            p="md"
            bg="gray.0"
            style={{ borderRadius: 'var(--mantine-radius-sm)' }}
            data-testid="join-account"
          >
            <Text fw={700}>{account.name}</Text>
            <Text size="sm" c="dimmed">
              Account {account.number}
            </Text>
            <AddressText address={address} mt={6} />
          </Box>
          <Group gap={6}>
            <Text size="sm">Not your company?</Text>
            <Button variant="subtle" size="compact-sm" onClick={onStartAgain}>
              Check my details again
            </Button>
          </Group>
        </Stack>
      </Paper>

      <Paper withBorder p="xl" radius="md" pos="relative">
        <form
          ref={formRef}
          noValidate
          aria-labelledby="join-login-title"
          onSubmit={(e) => {
            e.preventDefault();
            const problems: Partial<Record<LoginField, string>> = {};
            if (!values.firstName.trim()) problems.firstName = 'Enter your first name';
            if (!values.lastName.trim()) problems.lastName = 'Enter your last name';
            if (!looksLikeEmail(values.email)) problems.email = 'Enter a valid email address';
            if (mandatory.includes('phone') && !values.phone.trim())
              problems.phone = 'Enter your phone number';
            if (mandatory.includes('workPhone') && !values.workPhone.trim())
              problems.workPhone = 'Enter your work phone number';
            Object.assign(problems, passwordProblems(values.password, values.confirm));
            setErrors(problems);
            if (Object.keys(problems).length) {
              focusFirstInvalid(formRef.current);
              return;
            }
            join.mutate(
              {
                token: verified.token,
                firstName: values.firstName.trim(),
                lastName: values.lastName.trim(),
                email: values.email.trim(),
                phone: values.phone.trim() || null,
                workPhone: values.workPhone.trim() || null,
                password: values.password,
                website: values.website,
              },
              {
                onSuccess: (result) => {
                  if (result.outcome === 'active') void navigate({ to: '/store/account' });
                },
                onError: (err) => {
                  const byPath = serverFieldErrors(err);
                  const mapped: Partial<Record<LoginField, string>> = {};
                  for (const f of [
                    'firstName',
                    'lastName',
                    'email',
                    'phone',
                    'workPhone',
                    'password',
                  ] as const)
                    if (byPath[f]) mapped[f] = byPath[f];
                  setErrors(mapped);
                  focusFirstInvalid(formRef.current);
                },
              },
            );
          }}
        >
          <Stack>
            <Stack gap={4}>
              <Title order={3} id="join-login-title">
                Your login
              </Title>
              <Text size="sm" c="dimmed">
                Step 2 of 2. You will sign in with this email and password.
              </Text>
            </Stack>
            <SimpleGrid cols={{ base: 1, xs: 2 }}>
              <TextInput
                label="First name"
                autoComplete="given-name"
                required
                autoFocus
                {...input('firstName')}
              />
              <TextInput label="Last name" autoComplete="family-name" required {...input('lastName')} />
            </SimpleGrid>
            <TextInput label="Email" type="email" autoComplete="email" required {...input('email')} />
            {mandatory.includes('phone') || mandatory.includes('workPhone') ? (
              <SimpleGrid cols={{ base: 1, xs: 2 }}>
                {mandatory.includes('phone') ? (
                  <TextInput label="Phone" type="tel" autoComplete="tel" required {...input('phone')} />
                ) : null}
                {mandatory.includes('workPhone') ? (
                  <TextInput
                    label="Work phone"
                    type="tel"
                    autoComplete="tel"
                    required
                    {...input('workPhone')}
                  />
                ) : null}
              </SimpleGrid>
            ) : null}
            <NewLoginFields
              password={input('password')}
              confirm={input('confirm')}
              website={values.website}
              onWebsiteChange={set('website')}
            />
            <FormProblems fieldsMarked={fieldErrorShown} other={otherError} />
            <Button type="submit" loading={join.isPending}>
              Yes, create my login
            </Button>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
