import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.ts';
import { unstorableText } from '../lib/storable-text.ts';

/** The path of the first string, or object key, PostgreSQL would refuse, and what is wrong with it. */
function findProblem(
  value: unknown,
  path: string[],
  depth = 0,
): { path: string[]; what: string } | undefined {
  if (typeof value === 'string') {
    const what = unstorableText(value);
    return what ? { path, what } : undefined;
  }
  if (depth > 32 || typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    // Keys reach the database too, in JSON columns such as an import's mapping.
    const what = unstorableText(key);
    if (what) return { path, what: `${what} in a field name` };
    const found = findProblem(item, [...path, key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Throws a 400 naming the field when some text in `value` cannot be stored: for input parsed outside Fastify. */
export function assertStorableText(value: unknown): void {
  const problem = findProblem(value, []);
  if (problem) {
    const where = problem.path.join('.');
    throw new AppError(
      'invalid_input',
      `Check ${where || 'the request'}: text may not contain ${problem.what}`,
      [{ path: where, message: `Contains ${problem.what}` }],
    );
  }
}

/** Refuses text PostgreSQL cannot hold, anywhere in the input, with a 400 naming the field instead of a 500. */
export function registerTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    for (const part of [request.params, request.query, request.body]) assertStorableText(part);
  });
}
