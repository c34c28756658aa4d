import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.ts';

/** The path of the first string holding a NUL character, which PostgreSQL cannot store or compare. */
function findNul(value: unknown, path: string[], depth = 0): string[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (depth > 32 || typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = findNul(item, [...path, key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Refuses NUL characters anywhere in the input with a 400, instead of letting the database fail with a 500. */
export function registerTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    for (const part of [request.params, request.query, request.body]) {
      const path = findNul(part, []);
      if (path) {
        const where = path.join('.');
        throw new AppError(
          'invalid_input',
          `Check ${where || 'the request'}: text may not contain NUL characters`,
          [{ path: where, message: 'Contains a NUL character' }],
        );
      }
    }
  });
}
