import { z } from 'zod';
import type { CommercialList } from '../../../contracts/commercial-terms.ts';
import {
  ErpAccountBody,
  ErpBatchType,
  ErpCommercialCodeBody,
  ErpCommercialCodeParams,
  ErpContactBody,
  ErpContactParams,
  ErpInvoiceBody,
  ErpInvoiceParams,
  ErpNumberParams,
  ErpOrderBody,
  type ErpBatchResult,
} from '../../../contracts/erp.ts';
import { assertStorableText } from '../../http/text-guard.ts';
import { AppError } from '../../lib/errors.ts';
import type { RawLine } from './ndjson-lines.ts';

/** A line that passed the single call's schemas: its key fields and body, typed by `type`. */
export type BatchLine = { line: number } & (
  | { type: 'account'; erpNumber: string; body: ErpAccountBody }
  | { type: 'contact'; erpNumber: string; email: string; body: ErpContactBody }
  | { type: 'invoice'; number: string; body: ErpInvoiceBody }
  | { type: 'order'; body: ErpOrderBody }
  | { type: 'commercial'; list: CommercialList; code: string; body: ErpCommercialCodeBody }
);

const LIST_OF_TYPE: Record<'payment-term' | 'price-group' | 'sales-rep', CommercialList> = {
  'payment-term': 'payment-terms',
  'price-group': 'price-groups',
  'sales-rep': 'sales-reps',
};

export const invalid = (line: number, message: string, field?: string): ErpBatchResult => ({
  line,
  status: 'invalid',
  error: { message, ...(field !== undefined && { field }) },
});

class LineError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The parsed value, or a LineError naming the first field the schema refused (as the single call's 400). */
function parsed<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  throw new LineError(
    `Check ${field || 'the line'}: ${issue?.message ?? 'Invalid value'}`,
    field || undefined,
  );
}

const TypeOnly = z.object({ type: ErpBatchType });

function typed(line: number, value: Record<string, unknown>): BatchLine {
  const { type } = parsed(TypeOnly, value);
  switch (type) {
    case 'account':
      return { line, type, ...parsed(ErpNumberParams, value), body: parsed(ErpAccountBody, value) };
    case 'contact':
      return { line, type, ...parsed(ErpContactParams, value), body: parsed(ErpContactBody, value) };
    case 'invoice':
      return { line, type, ...parsed(ErpInvoiceParams, value), body: parsed(ErpInvoiceBody, value) };
    case 'order':
      return { line, type, body: parsed(ErpOrderBody, value) };
    case 'payment-term':
    case 'price-group':
    case 'sales-rep':
      return {
        line,
        type: 'commercial',
        list: LIST_OF_TYPE[type],
        ...parsed(ErpCommercialCodeParams, value),
        body: parsed(ErpCommercialCodeBody, value),
      };
  }
}

/** A raw line as a typed record, or the `invalid` result saying why not (never throws). */
export function parseBatchLine(raw: RawLine, maxLineBytes: number): BatchLine | ErpBatchResult {
  if (raw.tooLong) return invalid(raw.line, `The line is longer than ${maxLineBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(raw.text);
  } catch {
    return invalid(raw.line, 'The line is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return invalid(raw.line, 'The line must be a JSON object with a "type"', 'type');
  try {
    assertStorableText(value);
    return typed(raw.line, value as Record<string, unknown>);
  } catch (err) {
    if (err instanceof LineError) return invalid(raw.line, err.message, err.field);
    if (err instanceof AppError) return invalid(raw.line, err.message, fieldOf(err));
    throw err;
  }
}

/** The first field an AppError's details name, if any. */
export function fieldOf(err: AppError): string | undefined {
  const details = err.details as { path?: unknown }[] | undefined;
  const path = Array.isArray(details) ? details[0]?.path : undefined;
  return typeof path === 'string' && path ? path : undefined;
}
