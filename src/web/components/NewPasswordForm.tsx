import { useState, type ReactNode } from 'react';
import { Alert, Button, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { errorMessage, fieldErrorsOf, isApiError } from '../api/client.ts';

export const MIN_PASSWORD_LENGTH = 10;

interface NewPasswordFormProps {
  title: ReactNode;
  description?: ReactNode;
  submitLabel: string;
  pending: boolean;
  /** The server's answer to the last attempt (a 400 on `password` shows under the field). */
  error: unknown;
  onSubmit: (password: string) => void;
}

/** Password + Confirm password, checked here for length and match; the server checks common passwords. */
export function NewPasswordForm({
  title,
  description,
  submitLabel,
  pending,
  error,
  onSubmit,
}: NewPasswordFormProps) {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [localErrors, setLocalErrors] = useState<{ password?: string; confirm?: string }>({});
  // A server error describes the password it was given; hide it once the user types another.
  const [submitted, setSubmitted] = useState('');
  const serverErrors = password === submitted ? fieldErrorsOf(error) : {};
  const passwordError = localErrors.password ?? serverErrors.password;
  const otherError =
    error && password === submitted && !serverErrors.password && !(isApiError(error) && error.status === 422)
      ? errorMessage(error)
      : null;

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const problems: typeof localErrors = {};
        if (password.length < MIN_PASSWORD_LENGTH)
          problems.password = `Use at least ${MIN_PASSWORD_LENGTH} characters`;
        if (confirm !== password) problems.confirm = 'The passwords do not match';
        setLocalErrors(problems);
        if (Object.keys(problems).length > 0) return;
        setSubmitted(password);
        onSubmit(password);
      }}
    >
      <Stack>
        <Title order={2}>{title}</Title>
        <Text size="sm" c="dimmed">
          {description ?? `Use at least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words work well.`}
        </Text>
        <PasswordInput
          label="Password"
          autoComplete="new-password"
          required
          autoFocus
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={passwordError}
          // Mantine marks only TextInput invalid for assistive technology, not PasswordInput.
          aria-invalid={!!passwordError}
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
        {otherError ? (
          <Alert color="red" role="alert">
            {otherError}
          </Alert>
        ) : null}
        <Button type="submit" loading={pending}>
          {submitLabel}
        </Button>
      </Stack>
    </form>
  );
}
