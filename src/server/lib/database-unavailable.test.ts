import net from 'node:net';
import Fastify from 'fastify';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../../test/helpers/database.ts';
import { openDatabase, type Database } from '../db/client.ts';
import { registerErrorHandler } from '../http/error-handler.ts';
import { AppError, isDatabaseUnavailable } from './errors.ts';

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (err: unknown) => err,
  );

describe('isDatabaseUnavailable', () => {
  it('recognises lost connections by SQLSTATE, node error code and node-postgres message', () => {
    const coded = (code: string) => Object.assign(new Error('x'), { code });
    for (const code of ['57P01', '57P02', '57P03', '53300', '08006', '08001', '08P01'])
      expect(isDatabaseUnavailable(coded(code)), code).toBe(true);
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH'])
      expect(isDatabaseUnavailable(coded(code)), code).toBe(true);
    for (const message of [
      'Connection terminated unexpectedly',
      'Connection terminated due to connection timeout',
      'timeout exceeded when trying to connect',
      'Client has encountered a connection error and is not queryable',
    ])
      expect(isDatabaseUnavailable(new Error(message)), message).toBe(true);
    // `localhost` resolves to two addresses: node reports both refusals in one AggregateError.
    expect(isDatabaseUnavailable(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: coded('57P01') }))).toBe(true);
  });

  it('leaves refused statements, bugs and our own errors alone', () => {
    const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });
    for (const err of [
      coded('23505'),
      coded('42601'),
      coded('40001'),
      coded('22P02', 'Connection terminated in a string literal'),
      coded('FST_ERR_VALIDATION'),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      new AppError('conflict', 'An account with this number already exists'),
      null,
      undefined,
      'ECONNREFUSED',
    ])
      expect(isDatabaseUnavailable(err)).toBe(false);
  });
});

describe('errors of the database in use', () => {
  let database: Database;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(() => database.close());

  it('are not "unavailable" when the database refuses a statement', async () => {
    const syntax = await rejection(sql`select from where`.execute(database.db));
    expect(syntax).toMatchObject({ code: '42601' });
    expect(isDatabaseUnavailable(syntax)).toBe(false);
    const scope = await database.db.selectFrom('scopes').select('key').executeTakeFirstOrThrow();
    const duplicate = await rejection(
      database.db.insertInto('scopes').values({ key: scope.key, name: 'Again' }).execute(),
    );
    expect(duplicate).toMatchObject({ code: '23505' });
    expect(isDatabaseUnavailable(duplicate)).toBe(false);
  });
});

describe.skipIf(!process.env.DATABASE_URL)('errors of a lost PostgreSQL connection', () => {
  const url = process.env.DATABASE_URL!;

  it('a terminated session (57P01) and the broken client left behind are "unavailable"', async () => {
    const client = new pg.Client({ connectionString: url });
    const events: Error[] = [];
    client.on('error', (err) => events.push(err));
    await client.connect();
    const terminated = await rejection(client.query('select pg_terminate_backend(pg_backend_pid())'));
    expect(terminated).toMatchObject({ code: '57P01' });
    expect(isDatabaseUnavailable(terminated)).toBe(true);
    const after = await rejection(client.query('select 1'));
    expect(after).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(after)).toBe(true);
    await client.end().catch(() => {});
  });

  it('a pool whose server is gone fails fast with a refused connection, not a hang', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise((r) => closed.close(r));
    const gone = await openDatabase({
      databaseUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
      connectTimeoutMs: 500,
    });
    const err = await rejection(sql`select 1`.execute(gone.db));
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isDatabaseUnavailable(err)).toBe(true);
    await gone.close();
  });

  it('a server that accepts and never answers ends in a connect timeout that is "unavailable"', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as net.AddressInfo;
    const stuck = await openDatabase({
      databaseUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
      connectTimeoutMs: 300,
    });
    const err = await rejection(sql`select 1`.execute(stuck.db));
    expect(err).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(err)).toBe(true);
    await stuck.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });
});

describe('the error handler', () => {
  const app = Fastify();
  registerErrorHandler(app);
  app.get('/refused', () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  });
  app.get('/terminated', () => {
    throw Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
  });
  app.get('/app-error', () => {
    throw new AppError('unavailable', 'The database did not answer in time');
  });
  app.get('/bug', () => {
    throw new TypeError("Cannot read properties of undefined (reading 'id')");
  });
  afterAll(() => app.close());

  it('answers 503 with Retry-After and the error shape when the database is away, without internals', async () => {
    for (const url of ['/refused', '/terminated', '/app-error']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(503);
      expect(res.headers['retry-after'], url).toBe('5');
      const body = res.json<{ error: { code: string; message: string } }>();
      expect(body.error.code).toBe('unavailable');
      expect(body.error.message).not.toMatch(/5432|ECONNREFUSED|administrator command/);
    }
  });

  it('still answers 500 without Retry-After for a bug', async () => {
    const res = await app.inject({ method: 'GET', url: '/bug' });
    expect(res.statusCode).toBe(500);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.json()).toEqual({
      error: { code: 'internal', message: 'Something went wrong on our side; it has been logged' },
    });
  });
});
