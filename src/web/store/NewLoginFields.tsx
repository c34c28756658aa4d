import type { ChangeEvent } from 'react';
import { Alert, PasswordInput } from '@mantine/core';
import { MIN_PASSWORD_LENGTH } from '../components/NewPasswordForm.tsx';
import { Honeypot } from './Honeypot.tsx';

type FieldProps = {
  value: string;
  onChange: (e: ChangeEvent<HTMLInputElement>) => void;
  error: string | undefined;
};

/** What is wrong with a chosen password and its confirmation, as field messages. */
export function passwordProblems(password: string, confirm: string): { password?: string; confirm?: string } {
  if (password.length < MIN_PASSWORD_LENGTH)
    return { password: `Use at least ${MIN_PASSWORD_LENGTH} characters` };
  if (confirm !== password) return { confirm: 'The passwords do not match' };
  return {};
}

/** The end of both sign-up forms: the password twice, and the honeypot that catches bots. */
export function NewLoginFields({
  password,
  confirm,
  website,
  onWebsiteChange,
}: {
  password: FieldProps;
  confirm: FieldProps;
  website: string;
  onWebsiteChange: (value: string) => void;
}) {
  return (
    <>
      <PasswordInput
        label="Password"
        autoComplete="new-password"
        required
        description={`At least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words work well.`}
        {...password}
        aria-invalid={!!password.error}
      />
      <PasswordInput
        label="Confirm password"
        autoComplete="new-password"
        required
        {...confirm}
        aria-invalid={!!confirm.error}
      />
      <Honeypot value={website} onChange={onWebsiteChange} />
    </>
  );
}

/** Above a sign-up form's button: a pointer to the marked fields, and any error that has no field. */
export function FormProblems({ fieldsMarked, other }: { fieldsMarked: boolean; other: string | null }) {
  return (
    <>
      {fieldsMarked ? (
        <Alert color="red" role="alert">
          Please correct the fields marked above.
        </Alert>
      ) : null}
      {other ? (
        <Alert color="red" role="alert">
          {other}
        </Alert>
      ) : null}
    </>
  );
}
