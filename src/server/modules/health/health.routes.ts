import { sql } from 'kysely';
import { z } from 'zod';
import { ErrorBody } from '../../../contracts/common.ts';
import { AppError } from '../../lib/errors.ts';
import type { App, AppDeps } from '../../deps.ts';

export async function healthRoutes(app: App, deps: AppDeps) {
  app.get('/api/health', {
    config: { access: 'public' },
    schema: {
      tags: ['Health'],
      summary: 'Ready to serve: the database answers',
      description:
        'Answers 503 (`unavailable`, with Retry-After) while the database does not answer within DATABASE_CONNECT_TIMEOUT_SECONDS.',
      response: {
        200: z.object({ status: z.literal('ok'), database: z.enum(['pglite', 'postgres']) }),
        503: ErrorBody,
      },
    },
    handler: async () => {
      // A connection that hangs (a peer gone without closing it) must not hold the check past the timeout.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new AppError('unavailable', 'The database did not answer in time')),
          deps.config.databaseConnectTimeoutMs,
        );
      });
      try {
        await Promise.race([sql`select 1`.execute(deps.database.db), timeout]);
      } finally {
        clearTimeout(timer);
      }
      return { status: 'ok' as const, database: deps.database.kind };
    },
  });
}
