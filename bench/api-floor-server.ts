// The read floor of `npm run bench -- api`: a bare Fastify server that answers GET /contacts/:id with one
// primary-key select and nothing else (no authentication, no relations). Started by the bench as a child.
import Fastify from 'fastify';
import { sql } from 'kysely';
import { openDatabase } from '../src/server/db/client.ts';

const database = await openDatabase(
  process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir: process.env.DATA_DIR! },
);
const app = Fastify();
app.get<{ Params: { id: string } }>('/contacts/:id', async (request, reply) => {
  const { rows } = await sql`SELECT * FROM contacts WHERE id = ${request.params.id}`.execute(database.db);
  return rows[0] ?? reply.code(404).send();
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => {
  void app.close().then(() => database.close().then(() => process.exit(0)));
});
