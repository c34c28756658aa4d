export {
  failUndeliverablePushes,
  markErpSyncFailed,
  pushAccountToErp,
  pushOnPolicy,
  requestErpPush,
} from './erp-sync.ts';
