import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Received = { headers: Record<string, string>; body: string; path: string };

/**
 * A real HTTP server on 127.0.0.1 that records what it receives and answers with what `respond` says
 * (200 by default); `hang` leaves the request unanswered until the receiver closes.
 */
export async function startReceiver() {
  const received: Received[] = [];
  let respond: (
    r: Received,
    n: number,
  ) => { status: number; headers?: Record<string, string>; body?: string } | 'hang' = () => ({
    status: 200,
    body: 'ok',
  });
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString('utf8'),
        path: req.url ?? '/',
      };
      received.push(r);
      const answer = respond(r, received.length);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  // TCP connections opened to the receiver: what a sender's keep-alive pool saves.
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    get connections() {
      return connections;
    },
    respondWith(fn: typeof respond) {
      respond = fn;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
