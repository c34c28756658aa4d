import { AppError } from '../../../lib/errors.ts';

/** A file the import cannot read, explained for the person who uploaded it. */
export function sourceError(message: string): AppError {
  return new AppError('unprocessable', message, [{ path: 'file', message }]);
}
