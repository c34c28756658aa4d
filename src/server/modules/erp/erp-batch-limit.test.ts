import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchChunkLines } from './erp-batch.routes.ts';
import { connectErp } from './erp.test-helpers.ts';
import { createTestApp, type TestApp } from '../../../../test/helpers/app.ts';

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string; closedByServer: boolean };

describe('POST /api/erp/batch, a chunked body past ERP_BATCH_MAX_MB', () => {
  const MAX_BYTES = Math.floor(0.2 * 1024 * 1024);
  let t: TestApp;
  let port: number;
  let erpKey: string;
  beforeAll(async () => {
    t = await createTestApp({ ERP_BATCH_MAX_MB: '0.2' });
    const admin = await t.employee(['administrator']);
    ({ key: erpKey } = await connectErp(t, admin));
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  /** Writes `line(i)` for i = 1, 2, … without a Content-Length and without end, until the answer has ended. */
  const sendEndlessly = (line: (i: number) => string) =>
    new Promise<Answer>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/erp/batch',
        headers: { authorization: `Bearer ${erpKey}`, 'content-type': 'application/x-ndjson' },
      });
      let i = 0;
      let answered = false;
      const pump = () => {
        while (!answered && !req.destroyed)
          if (!req.write(`${line(++i)}\n`)) return void req.once('drain', pump);
      };
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          answered = true;
          const answer = { status: res.statusCode ?? 0, headers: res.headers, body };
          // The server, not us, must close the connection: it stopped reading.
          const socket = req.socket!;
          const timer = setTimeout(() => {
            resolve({ ...answer, closedByServer: false });
            req.destroy();
          }, 5000);
          socket.once('close', () => {
            clearTimeout(timer);
            resolve({ ...answer, closedByServer: true });
          });
        });
      });
      req.on('error', (err) => {
        if (!answered) reject(err);
      });
      pump();
    });

  const accountsNamed = async (prefix: string) =>
    Number(
      (
        await t.deps.database.db
          .selectFrom('accounts')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('erp_number', 'like', `${prefix}%`)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('is 413 with nothing written when the limit comes before the first results, and closes', async () => {
    // Three lines of 100 KB pass 0.2 MB long before a chunk is full.
    const filler = 'x'.repeat(100_000);
    const answer = await sendEndlessly((i) =>
      JSON.stringify({ type: 'account', erpNumber: `LIM-A-${i}`, name: `Limit ${i}`, note: filler }),
    );
    expect(answer.status, answer.body).toBe(413);
    expect(JSON.parse(answer.body).error).toEqual({
      code: 'invalid_input',
      message: `The batch is larger than ${MAX_BYTES} bytes (ERP_BATCH_MAX_MB); send it in parts`,
    });
    expect(answer.closedByServer).toBe(true);
    expect(await accountsNamed('LIM-A-')).toBe(0);
  });

  it('answers the lines read, then a stopped line, keeping every committed line, and closes', async () => {
    const chunk = batchChunkLines(t.deps.database.kind);
    const answer = await sendEndlessly((i) =>
      JSON.stringify({ type: 'account', erpNumber: `LIM-B-${i}`, name: `Limit company ${i}` }),
    );
    expect(answer.status).toBe(200);
    const results = answer.body
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { line: number; status: string; error?: { message: string } });
    const last = results.pop()!;
    const lastWhole = last.line - 1;
    // At least one chunk was answered before the limit: the 200 had been sent.
    expect(lastWhole).toBeGreaterThan(chunk);
    expect(results.map((r) => r.line)).toEqual(Array.from({ length: lastWhole }, (_, k) => k + 1));
    expect(new Set(results.map((r) => r.status))).toEqual(new Set(['created']));
    expect(last).toEqual({
      line: lastWhole + 1,
      status: 'stopped',
      error: {
        message:
          `The batch is larger than ${MAX_BYTES} bytes: reading stopped in line ${lastWhole + 1}. Lines 1 to ` +
          `${lastWhole} are answered above; send line ${lastWhole + 1} and the ones after it in another batch`,
      },
    });
    // Every line answered is written, and nothing after it.
    expect(await accountsNamed('LIM-B-')).toBe(lastWhole);
    expect(answer.closedByServer).toBe(true);
    // The server still answers on new connections.
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(health.status).toBe(200);
  });
});
