import { ErrorBody } from '../../../contracts/common.ts';
import { StoreAccountBody } from '../../../contracts/contact-accounts.ts';
import { StoreSessionInfo } from '../../../contracts/emails.ts';
import type { App, AppDeps } from '../../deps.ts';
import { CONTACT_COOKIE } from '../../http/auth.ts';
import { AppError } from '../../lib/errors.ts';
import { storeSessionInfo, switchStoreAccount } from './store-account.service.ts';

/** A contact in several accounts chooses the one its store session acts for. */
export async function storeAccountRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;

  app.put('/api/store/session/account', {
    config: { access: 'contact' },
    schema: {
      tags: ['Storefront'],
      summary: 'Switch the account the session acts for',
      description:
        'One of the contact’s active accounts (`accounts` of `GET /api/store/session`); any other account is 404. ' +
        'The choice lasts for this session; a new sign-in starts with the primary account.',
      body: StoreAccountBody,
      response: { 200: StoreSessionInfo, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
    },
    handler: async (request) => {
      const token = request.cookies[CONTACT_COOKIE]!;
      await switchStoreAccount(db, request.contactId!, token, request.body.accountId);
      const info = await storeSessionInfo(db, request.contactId!, token);
      if (!info) throw new AppError('unauthenticated', 'Sign in to continue');
      return info;
    },
  });
}
