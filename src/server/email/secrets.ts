// How one-time tokens travel through the outbox: rendered as placeholders, revealed only on the wire.
import { randomBytes } from 'node:crypto';

/** What the email log shows where a link's token was. */
export const HIDDEN = '[hidden]';
// Unguessable, so no name or template text can forge one; a filter that alters it breaks the link, never leaks.
const PLACEHOLDER = /\[hidden:[0-9a-f]{24}\]/gi;

/** An email's bodies as anyone may read them: every placeholder shown as `[hidden]`. */
export const redactSecrets = (text: string) => text.replace(PLACEHOLDER, HIDDEN);

/** Whether an email (as stored) carried a one-time link. */
export const carriesSecrets = (text: string) => text.search(PLACEHOLDER) >= 0 || text.includes(HIDDEN);

/** Whether an email row still holds raw tokens to put on the wire. */
export const hasSecrets = (secrets: Record<string, string> | null) => Object.keys(secrets ?? {}).length > 0;

/** The bodies to put on the wire: each placeholder replaced by its token. */
export function revealSecrets(text: string, secrets: Record<string, string> | null): string {
  let out = text;
  for (const [placeholder, token] of Object.entries(secrets ?? {})) out = out.split(placeholder).join(token);
  return out;
}

/** A new placeholder for one token of one email. */
export const newPlaceholder = () => `[hidden:${randomBytes(12).toString('hex')}]`;
