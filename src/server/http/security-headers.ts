import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { ErrorBody, ErrorCode } from '../../contracts/common.ts';

/** The helmet settings of every response; `upgrade-insecure-requests` only when the site is served over HTTPS. */
export function helmetOptions(publicUrl: string): HelmetOptions {
  return {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        scriptSrc: ["'self'"],
        frameAncestors: ["'none'"],
        // Over plain HTTP it sends every script and style to an https:// that is not there: a blank page.
        upgradeInsecureRequests: new URL(publicUrl).protocol === 'https:' ? [] : null,
      },
    },
  };
}

/**
 * The headers helmet sets with these options: the same on every response (no nonces), so they are
 * worked out once, for the hook that adds them and for responses written before any hook runs.
 */
export function staticSecurityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as http.IncomingMessage, res as unknown as http.ServerResponse, () => undefined);
  return headers;
}

const errorBody = (code: ErrorCode, message: string): ErrorBody => ({ error: { code, message } });

const FRAMEWORK_ERRORS: Record<string, { status: number; code: ErrorCode; message: string }> = {
  FST_ERR_BAD_URL: {
    status: 400,
    code: 'invalid_input',
    message: 'The address is not valid: check its percent-encoding',
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: 'invalid_input',
    message: 'A part of the address is too long',
  },
};

/**
 * Errors Fastify answers before any hook runs (a malformed URL): the security headers, `no-store` and the
 * error shape, and never the path itself.
 */
export function frameworkErrorHandler(headers: Record<string, string>) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const known = FRAMEWORK_ERRORS[err.code];
    if (!known) request.log.error({ err }, 'framework error');
    const { status, code, message } = known ?? {
      status: 500,
      code: 'internal' as const,
      message: 'Something went wrong on our side; it has been logged',
    };
    void reply
      .headers(headers)
      .header('cache-control', 'no-store')
      .status(status)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(errorBody(code, message)));
  };
}

/** Requests Node's HTTP parser refuses (a malformed Content-Length, oversized headers): same headers and shape. */
export function clientErrorHandler(headers: Record<string, string>) {
  return (err: NodeJS.ErrnoException, socket: Socket) => {
    // A reset connection has nobody left to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const message =
      status === 408
        ? 'The request took too long to arrive'
        : status === 431
          ? 'The request headers are too large'
          : 'The request is not valid HTTP';
    const body = JSON.stringify(errorBody('invalid_input', message));
    const lines = [
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      'cache-control: no-store',
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(body)}`,
      'connection: close',
    ];
    if (socket.writable) socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
    socket.destroy(err);
  };
}
