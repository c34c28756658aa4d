import type { CommercialList } from '../../../contracts/commercial-terms.ts';
import type {
  ErpCommercialCodeBody,
  ErpCommercialCodeResult,
  ErpInvoiceBody,
  ErpInvoiceResult,
} from '../../../contracts/erp.ts';
import type { Db } from '../../db/client.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { upsertCommercialCode } from '../commercial-terms/commercial-terms.service.ts';
import { upsertInvoice } from '../invoices/invoices.service.ts';
import { withPermissions } from './erp-context.ts';

/** `PUT /api/erp/invoices/{number}`: the invoices module's checks and messages, the ERP's word last. */
export function upsertErpInvoice(
  db: Db,
  ctx: RequestContext,
  number: string,
  body: ErpInvoiceBody,
): Promise<ErpInvoiceResult> {
  assertCan(ctx, 'erp');
  return upsertInvoice(db, withPermissions(ctx, ['accounts.write']), number, body);
}

/** `PUT /api/erp/payment-terms|price-groups|sales-reps/{code}`, through the commercial-terms service. */
export function upsertErpCommercialCode(
  db: Db,
  ctx: RequestContext,
  list: CommercialList,
  code: string,
  body: ErpCommercialCodeBody,
): Promise<ErpCommercialCodeResult> {
  assertCan(ctx, 'erp');
  return upsertCommercialCode(db, withPermissions(ctx, ['settings.write']), list, code, body);
}
