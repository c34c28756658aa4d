import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ErpBatchResult } from '../../../contracts/erp.ts';
import type { AccountRequirableField } from '../../../contracts/required-fields.ts';
import { assertCan, type RequestContext } from '../../http/context.ts';
import { AppError } from '../../lib/errors.ts';
import type { ContactsDeps } from '../contacts/contacts.service.ts';
import { requiredFields } from '../settings/required-fields.ts';
import { isSetBased, upsertErpAccountsChunk, type AccountLine } from './erp-batch-accounts.ts';
import { upsertErpInvoicesChunk, type InvoiceLine } from './erp-batch-invoices.ts';
import { fieldOf, invalid, parseBatchLine, type BatchLine } from './erp-batch-lines.ts';
import { upsertErpAccount } from './erp-accounts.service.ts';
import { upsertErpContact } from './erp-contacts.service.ts';
import { upsertErpCommercialCode, upsertErpInvoice } from './erp-records.service.ts';
import { BatchTooLargeError, ndjsonLines, type RawLine } from './ndjson-lines.ts';
import { recordOrder } from './orders.service.ts';

export type ErpBatchOptions = {
  /** Lines written per transaction; between chunks other requests get the database. */
  chunkLines: number;
  /** A longer line is `invalid` (and not kept in memory). */
  maxLineBytes: number;
  /** Bytes read in all; past it reading stops (see runErpBatch). */
  maxBytes: number;
  /** Told of a line that failed for a reason other than its content (logged, answered as invalid). */
  onUnexpected: (err: unknown, line: number) => void;
};

type Batch = { deps: ContactsDeps; ctx: RequestContext; options: ErpBatchOptions };

/** One line through the single call's service: its answer, or its refusal as an `invalid` result. */
async function writeOne({ deps, ctx, options }: Batch, l: BatchLine): Promise<ErpBatchResult> {
  const { db } = deps;
  try {
    switch (l.type) {
      case 'account': {
        const r = await upsertErpAccount(db, ctx, l.erpNumber, l.body);
        return { line: l.line, status: r.status, id: r.account.id };
      }
      case 'contact': {
        const r = await upsertErpContact(deps, ctx, l.erpNumber, l.email, l.body);
        // A generated password is shown once, as by the single call; nowhere else (see docs/security.md).
        const { password } = r.contact;
        return { line: l.line, status: r.status, id: r.contact.id, ...(password && { password }) };
      }
      case 'invoice': {
        const r = await upsertErpInvoice(db, ctx, l.number, l.body);
        return { line: l.line, status: r.status, id: r.invoice.id };
      }
      case 'order': {
        const r = await recordOrder(db, ctx, l.body);
        return { line: l.line, status: r.status, id: r.order.id };
      }
      case 'commercial': {
        const r = await upsertErpCommercialCode(db, ctx, l.list, l.code, l.body);
        return { line: l.line, status: r.status, id: r.commercialCode.code };
      }
    }
  } catch (err) {
    if (err instanceof AppError && err.code !== 'internal' && err.code !== 'unavailable')
      // A contact's missing account is the single call's 404: here it is the line's erpNumber.
      return invalid(
        l.line,
        err.message,
        fieldOf(err) ?? (err.code === 'not_found' ? 'erpNumber' : undefined),
      );
    options.onUnexpected(err, l.line);
    return invalid(l.line, 'The line could not be written because of an error on our side; send it again');
  }
}

/** The order lines of a chunk are written in: what others refer to first (codes, then accounts). */
const ORDER: Record<BatchLine['type'], number> = {
  commercial: 0,
  account: 1,
  contact: 2,
  invoice: 3,
  order: 4,
};

async function writeChunk(batch: Batch, raw: RawLine[], required: readonly AccountRequirableField[]) {
  const results: ErpBatchResult[] = [];
  const lines: BatchLine[] = [];
  for (const r of raw) {
    const parsed = parseBatchLine(r, batch.options.maxLineBytes);
    if ('status' in parsed) results.push(parsed);
    else lines.push(parsed);
  }
  lines.sort((a, b) => ORDER[a.type] - ORDER[b.type] || a.line - b.line);
  // Each ERP number (invoice number) once per set-based statement; a repeat goes after it, through the single call.
  const seen = new Set<string>();
  const setAccounts: AccountLine[] = [];
  const setInvoices: InvoiceLine[] = [];
  const single: BatchLine[] = [];
  for (const l of lines) {
    if (l.type === 'account' && isSetBased(l) && !seen.has(`a:${l.erpNumber.toLowerCase()}`)) {
      seen.add(`a:${l.erpNumber.toLowerCase()}`);
      setAccounts.push(l);
    } else if (l.type === 'invoice' && !seen.has(`i:${l.number.toLowerCase()}`)) {
      seen.add(`i:${l.number.toLowerCase()}`);
      setInvoices.push(l);
    } else single.push(l);
  }
  const singles = async (from: number, to: number) => {
    for (const l of single)
      if (ORDER[l.type] >= from && ORDER[l.type] < to) results.push(await writeOne(batch, l));
  };
  await singles(0, ORDER.account);
  if (setAccounts.length) {
    try {
      results.push(...(await upsertErpAccountsChunk(batch.deps.db, batch.ctx, setAccounts, required)));
    } catch {
      // A statement refused (a code taken, a race with a single call): line by line, each its own answer.
      for (const l of setAccounts) results.push(await writeOne(batch, { ...l, type: 'account' }));
    }
  }
  await singles(ORDER.account, ORDER.invoice);
  if (setInvoices.length) {
    try {
      results.push(...(await upsertErpInvoicesChunk(batch.deps.db, batch.ctx, setInvoices)));
    } catch {
      for (const l of setInvoices) results.push(await writeOne(batch, { ...l, type: 'invoice' }));
    }
  }
  await singles(ORDER.invoice, Infinity);
  return results.sort((a, b) => a.line - b.line);
}

/**
 * `POST /api/erp/batch`: reads NDJSON lines from `body` as they arrive and yields the results of each chunk
 * (one per non-blank line, in line order). Accounts and invoices are written set-based per chunk; the other types through their single
 * call's service. A bad line is `invalid` and harms no other.
 * Past `maxBytes`: before the first results, BatchTooLargeError (nothing written: the route's 413); after, the
 * lines read whole are written and answered, then a last `stopped` result names the line reading stopped in.
 */
export async function* runErpBatch(
  deps: ContactsDeps,
  ctx: RequestContext,
  body: AsyncIterable<Buffer | string>,
  options: ErpBatchOptions,
): AsyncGenerator<ErpBatchResult[]> {
  assertCan(ctx, 'erp');
  const batch = { deps, ctx, options };
  const required = (await requiredFields(deps.db, ctx.scopeId)).account;
  let chunk: RawLine[] = [];
  const flush = async () => {
    const results = await writeChunk(batch, chunk, required);
    chunk = [];
    // The embedded database has one connection: the portal's requests get their turn between chunks.
    await nextTurn();
    return results;
  };
  let answered = false;
  try {
    for await (const raw of ndjsonLines(body, options.maxLineBytes, options.maxBytes)) {
      if (!raw.tooLong && raw.text.trim() === '') continue;
      chunk.push(raw);
      if (chunk.length >= options.chunkLines) {
        const results = await flush();
        answered = true;
        yield results;
      }
    }
  } catch (err) {
    if (!(err instanceof BatchTooLargeError) || !answered) throw err;
    const results = chunk.length ? await flush() : [];
    yield [...results, stopped(err)];
    return;
  }
  if (chunk.length) yield await flush();
}

/** The last result of a batch cut at its size limit: what was answered, and where to resume. */
function stopped({ maxBytes, lastLine }: BatchTooLargeError): ErpBatchResult {
  const next = lastLine + 1;
  return {
    line: next,
    status: 'stopped',
    error: {
      message:
        `The batch is larger than ${maxBytes} bytes: reading stopped in line ${next}. Lines 1 to ${lastLine} ` +
        `are answered above; send line ${next} and the ones after it in another batch`,
    },
  };
}
