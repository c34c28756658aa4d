import { dictionary } from '@zxcvbn-ts/language-common';
import { hashPassword } from './secrets.ts';
import { AppError } from './errors.ts';

// NIST 800-63B: a minimum length and a check against known passwords, no composition rules.
const COMMON = new Set(
  dictionary['passwords-common'].filter((p) => p.length >= 10).map((p) => p.toLowerCase()),
);

export function isCommonPassword(password: string): boolean {
  return COMMON.has(password.toLowerCase());
}

/** Refuses a password that is on the list of common passwords (length is checked by the request schema). */
export function assertAcceptablePassword(password: string, path = 'password'): void {
  if (isCommonPassword(password))
    throw new AppError('invalid_input', 'This password is too common; choose another', [
      { path, message: 'This password is on a list of common passwords' },
    ]);
}

/** Checks a password someone chose and hashes it. */
export async function hashNewPassword(password: string, path = 'password'): Promise<string> {
  assertAcceptablePassword(password, path);
  return hashPassword(password);
}
