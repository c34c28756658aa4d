import type { StoreSessionInfo } from '../../api/store.ts';

/** Set at sign-in when the contact has several accounts: the account page asks which one first. */
export const CHOOSE_ACCOUNT_FLAG = 'clt-store-choose-account';

export function markAccountChoice(info: StoreSessionInfo) {
  if (info.accounts.length > 1) sessionStorage.setItem(CHOOSE_ACCOUNT_FLAG, '1');
}
