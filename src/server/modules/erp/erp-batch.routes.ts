import { Readable } from 'node:stream';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/common.ts';
import type { ErpBatchResult } from '../../../contracts/erp.ts';
import type { App, AppDeps } from '../../deps.ts';
import { contactsDepsOf } from '../contacts/contacts.service.ts';
import { runErpBatch } from './erp-batch.service.ts';
import { fromErp } from './erp-context.ts';

const NDJSON = 'application/x-ndjson';
/**
 * Lines per transaction: big enough for set-based statements, small enough to keep the portal responsive.
 * PGlite is the server's only connection, so its chunks are shorter.
 */
export const batchChunkLines = (kind: 'pglite' | 'postgres') => (kind === 'postgres' ? 1000 : 500);
export const BATCH_MAX_LINE_BYTES = 1024 * 1024;
/** A declared Content-Length above this is 413 before anything is read. */
export const BATCH_MAX_BYTES = 1024 * 1024 * 1024;

/** Fastify's way to answer with a status its error handler passes through (413, 415). */
const httpError = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode });

/** One write per chunk: hundreds of small writes to the socket cost more than the chunk's statements. */
async function* asNdjson(first: IteratorResult<ErpBatchResult[]>, rest: AsyncIterator<ErpBatchResult[]>) {
  for (let r = first; !r.done; r = await rest.next())
    yield r.value.map((result) => `${JSON.stringify(result)}\n`).join('');
}

export function erpBatchRoutes(app: App, deps: AppDeps) {
  // The body stays a stream: the handler reads it line by line (no body limit, no buffering).
  app.addContentTypeParser(NDJSON, (_request, _payload, done) => done(null, undefined));

  app.post('/api/erp/batch', {
    config: { access: 'erp' },
    // Compressed answers would be held back in the compressor's buffer instead of streamed per chunk.
    compress: false,
    schema: {
      tags: ['ERP'],
      summary: 'Create or update many records from NDJSON lines (nightly syncs)',
      description:
        'Each line is a JSON object with `type` (account | contact | invoice | order | payment-term | price-group ' +
        '| sales-rep), the key fields of the single call (account: `erpNumber`; contact: `erpNumber`, `email`; ' +
        'invoice: `number`; payment-term, price-group, sales-rep: `code`) and its body, checked with the same ' +
        'schemas. The answer is streamed as NDJSON too, one `{line, status, id?, error?}` per non-blank line ' +
        '(status created | updated | unchanged | invalid; error `{message, field?}`). A line that is not JSON, ' +
        `of an unknown type, invalid, longer than ${BATCH_MAX_LINE_BYTES} bytes or naming an unknown account is ` +
        '`invalid` and the others go on. Lines are written 1,000 at a time (500 on the embedded database), ' +
        'each chunk in one pass in dependency order (codes, accounts, contacts, invoices, orders); accounts ' +
        'set-based. Every write is audited with source `erp` and records the same events as ' +
        'the single calls; unchanged records write nothing. 415 for another Content-Type, 413 for a ' +
        `Content-Length above ${BATCH_MAX_BYTES} bytes.`,
      consumes: [NDJSON],
      // The parser leaves the stream to the handler: the body seen by validation is null.
      body: z.string().nullish().describe('NDJSON: one record per line'),
      response: {
        200: z.string().describe('NDJSON: one result per non-blank line, in line order'),
        400: ErrorBody,
        401: ErrorBody,
        403: ErrorBody,
        413: ErrorBody,
        415: ErrorBody,
      },
    },
    // After authentication (an app-level hook), before the body's schema.
    preValidation: async (request) => {
      const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
      if (type !== NDJSON) throw httpError(415, `Send the lines as ${NDJSON}`);
      if (Number(request.headers['content-length'] ?? 0) > BATCH_MAX_BYTES)
        throw httpError(413, `The batch is larger than ${BATCH_MAX_BYTES} bytes; send it in parts`);
    },
    handler: async (request, reply) => {
      const results = runErpBatch(contactsDepsOf(deps), fromErp(request.ctx), request.raw, {
        chunkLines: batchChunkLines(deps.database.kind),
        maxLineBytes: BATCH_MAX_LINE_BYTES,
        onUnexpected: (err, line) => request.log.error({ err, line }, 'ERP batch line failed'),
      });
      // The first chunk before the status line: a database that is away is still a proper 503.
      const first = await results.next();
      const stream = Readable.from(asNdjson(first, results));
      // A stream is sent as it is; the 200 schema (a string) only documents what it carries.
      return reply.type(`${NDJSON}; charset=utf-8`).send(stream as unknown as string);
    },
  });
}
