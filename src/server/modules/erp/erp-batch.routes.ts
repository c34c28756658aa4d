import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/common.ts';
import type { ErpBatchResult } from '../../../contracts/erp.ts';
import type { App, AppDeps } from '../../deps.ts';
import { contactsDepsOf } from '../contacts/contacts.service.ts';
import { runErpBatch } from './erp-batch.service.ts';
import { fromErp } from './erp-context.ts';
import { BatchTooLargeError } from './ndjson-lines.ts';

const NDJSON = 'application/x-ndjson';
/**
 * Lines per transaction: big enough for set-based statements, small enough to keep the portal responsive.
 * PGlite is the server's only connection, so its chunks are shorter.
 */
export const batchChunkLines = (kind: 'pglite' | 'postgres') => (kind === 'postgres' ? 1000 : 500);
export const BATCH_MAX_LINE_BYTES = 1024 * 1024;

/** Fastify's way to answer with a status its error handler passes through (413, 415). */
const httpError = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode });

const tooLarge = (maxBytes: number) =>
  httpError(413, `The batch is larger than ${maxBytes} bytes (ERP_BATCH_MAX_MB); send it in parts`);

/**
 * An answer sent before the body's end (the size limit, a fault): the connection closes instead of reading the
 * rest for the next request. The peer gets a moment to read the answer before unread data resets the socket.
 */
function closeUnread(request: IncomingMessage) {
  const socket = request.socket;
  request.resume();
  socket.end();
  setTimeout(() => socket.destroy(), 2000).unref();
}

/** One write per chunk: hundreds of small writes to the socket cost more than the chunk's statements. */
async function* asNdjson(first: IteratorResult<ErpBatchResult[]>, rest: AsyncIterator<ErpBatchResult[]>) {
  for (let r = first; !r.done; r = await rest.next())
    yield r.value.map((result) => `${JSON.stringify(result)}\n`).join('');
}

export function erpBatchRoutes(app: App, deps: AppDeps) {
  const maxBytes = deps.config.erpBatchMaxBytes;
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
        'and invoices set-based. Every write is audited with source `erp` and records the same events as ' +
        'the single calls; unchanged records write nothing. 415 for another Content-Type. A body is read up to ' +
        `${maxBytes} bytes (ERP_BATCH_MAX_MB): a larger Content-Length, or a chunked body passing it before ` +
        'the first results are written, is 413 with nothing written; passing it later, the lines read whole ' +
        'are written and answered, then a last result `{line, status: "stopped", error}` names the line ' +
        'reading stopped in, and the connection closes.',
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
      if (Number(request.headers['content-length'] ?? 0) > maxBytes) throw tooLarge(maxBytes);
    },
    handler: async (request, reply) => {
      reply.raw.once('finish', () => {
        // `complete` is Node's; injected test requests (no socket) have none.
        if (request.raw.complete === false) closeUnread(request.raw);
      });
      // Stopping early must not destroy the request: that would reset the socket under the answer.
      const body = request.raw.iterator({ destroyOnReturn: false });
      const results = runErpBatch(contactsDepsOf(deps), fromErp(request.ctx), body, {
        chunkLines: batchChunkLines(deps.database.kind),
        maxLineBytes: BATCH_MAX_LINE_BYTES,
        maxBytes,
        onUnexpected: (err, line) => request.log.error({ err, line }, 'ERP batch line failed'),
      });
      // The first chunk before the status line: a database that is away is still a proper 503.
      const first = await results.next().catch((err: unknown) => {
        throw err instanceof BatchTooLargeError ? tooLarge(maxBytes) : err;
      });
      const stream = Readable.from(asNdjson(first, results));
      // A stream is sent as it is; the 200 schema (a string) only documents what it carries.
      return reply.type(`${NDJSON}; charset=utf-8`).send(stream as unknown as string);
    },
  });
}
