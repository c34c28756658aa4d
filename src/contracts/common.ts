import { z } from 'zod';

/** A trimmed, non-empty line of text of bounded length. */
export const text = (max: number) =>
  z.string().trim().min(1, 'Required').max(max, `Use at most ${max} characters`);
/** An optional line of text; an empty one means "none" and becomes null. */
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `Use at most ${max} characters`)
    .nullable()
    .transform((v) => (v === '' ? null : v))
    .optional();

export const Email = z
  .string()
  .trim()
  .max(254, 'Use at most 254 characters')
  .pipe(z.email({ message: 'Enter a valid email address' }));
export const Uuid = z.uuid();
export const Key = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'Use letters, digits, dot, dash or underscore');

export const ListQuery = z.object({
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .describe('Case- and accent-insensitive substring; 1–2 characters match the start of a word'),
  limit: z.coerce.number().int().min(1).max(200).default(25),
  cursor: z.string().max(200).optional().describe('The nextCursor of the previous page'),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const ErrorCode = z.enum([
  'invalid_input',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'unprocessable',
  'rate_limited',
  'internal',
  'unavailable',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const IdParams = z.object({ id: Uuid });
