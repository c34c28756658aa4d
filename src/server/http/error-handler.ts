import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import type { ErrorBody, ErrorCode } from '../../contracts/common.ts';
import {
  AppError,
  isDatabaseUnavailable,
  RETRY_AFTER_SECONDS,
  STATUS_BY_CODE,
  type FieldError,
} from '../lib/errors.ts';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'invalid_input',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'invalid_input',
  415: 'invalid_input',
  422: 'unprocessable',
  429: 'rate_limited',
};

function body(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details !== undefined && { details }) } };
}

/** Readable field paths (`billingAddress.city`, `roles.2`) from a validation issue's instance path. */
function fieldPath(instancePath: string, params: unknown): string {
  const base = instancePath.replace(/^\//, '').replace(/\//g, '.');
  const missing = (params as { missingProperty?: string } | undefined)?.missingProperty;
  return missing ? [base, missing].filter(Boolean).join('.') : base;
}

/** One place turns errors into the wire shape; 5xx details are logged, never sent. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (isDatabaseUnavailable(err)) {
      request.log.warn({ err }, 'database unavailable');
      return reply
        .status(503)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .send(body('unavailable', 'The database is not reachable right now; try again in a few seconds'));
    }
    if (err instanceof AppError) {
      // Load balancers and clients back off on 503 + Retry-After instead of hammering a recovering database.
      if (err.code === 'unavailable') reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return reply.status(STATUS_BY_CODE[err.code]).send(body(err.code, err.message, err.details));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const details: FieldError[] = err.validation.map((v) => ({
        path: fieldPath(v.instancePath, v.params),
        message: v.message ?? 'Invalid value',
      }));
      const where = err.validationContext === 'body' ? '' : ` in the ${err.validationContext}`;
      const first = details[0];
      const message = first
        ? `Check ${first.path || 'the request'}${where}: ${first.message}`
        : 'The request is not valid';
      return reply.status(400).send(body('invalid_input', message, details));
    }
    if (isResponseSerializationError(err)) {
      request.log.error({ err }, 'response did not match its schema');
      return reply.status(500).send(body('internal', 'Something went wrong on our side; it has been logged'));
    }
    const status = err.statusCode ?? 500;
    if (status === 429) {
      return reply
        .status(429)
        .send(body('rate_limited', err.message || 'Too many requests; try again later'));
    }
    if (status >= 400 && status < 500) {
      const code = CODE_BY_STATUS[status] ?? 'invalid_input';
      const message =
        err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'Send the request body as JSON (Content-Type: application/json)'
          : err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
            ? 'The request body is too large'
            : err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
              ? 'The request body is empty; send a JSON object'
              : // Fastify's and JSON.parse's own complaints, not a message of ours that mentions JSON.
                (err.code?.startsWith('FST_ERR_CTP') || err.name === 'SyntaxError') &&
                  /JSON/i.test(err.message)
                ? 'The request body is not valid JSON'
                : err.message;
      return reply
        .status(status === 413 || status === 415 ? status : STATUS_BY_CODE[code])
        .send(body(code, message));
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send(body('internal', 'Something went wrong on our side; it has been logged'));
  });
}
