import { z } from 'zod';
import { LoginDate } from './customer-groups.ts';

export const CONTACT_LOGIN_MODES = [
  'activation-email',
  'generated-password',
  'shared-password',
  'none',
] as const;
export const ContactLoginMode = z.enum(CONTACT_LOGIN_MODES);
export type ContactLoginMode = z.infer<typeof ContactLoginMode>;

/** The login a contact added in the portal (or by the API) gets, as in the Add contact dialog. */
export const ContactLogin = z.object({
  mode: ContactLoginMode.describe(
    'activation-email: the welcome email with an activation link; generated-password: a random password, ' +
      'returned once in `password` and never stored readable; shared-password: the shared password of the ' +
      'one chosen customer group that has one; none: no login yet',
  ),
  validFrom: LoginDate.nullish().describe(
    'When the login starts working (shared-password: the group’s when absent); a date alone starts at 00:00 UTC',
  ),
  validUntil: LoginDate.nullish().describe(
    'When the login stops working (shared-password: the group’s when absent); must be after validFrom',
  ),
});
export type ContactLogin = z.infer<typeof ContactLogin>;
