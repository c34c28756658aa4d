import { sql } from 'kysely';
import { z } from 'zod';
import type { App, AppDeps } from '../../deps.ts';

export async function healthRoutes(app: App, deps: AppDeps) {
  app.get('/api/health', {
    config: { access: 'public' },
    schema: {
      tags: ['Health'],
      summary: 'Ready to serve: the database answers',
      response: { 200: z.object({ status: z.literal('ok'), database: z.enum(['pglite', 'postgres']) }) },
    },
    handler: async () => {
      await sql`select 1`.execute(deps.database.db);
      return { status: 'ok' as const, database: deps.database.kind };
    },
  });
}
