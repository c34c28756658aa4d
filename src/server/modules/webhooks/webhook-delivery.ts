import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { WEBHOOK_PAYLOAD_VERSION } from '../../../contracts/webhooks.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import type { Outbox } from '../../email/outbox.ts';
import { failUndeliverablePushes } from '../erp/index.ts';
import { onEventsWritten } from '../events/events-written.ts';
import { guardedLookup, isPrivateAddress, urlShapeProblem } from './url-guard.ts';
import { listenForDeliveries, type DeliveriesListener } from './webhook-wake.ts';

/** The first bytes of an answer kept in the delivery log. */
const RESPONSE_KEEP_BYTES = 4096;
/** A Retry-After further away than this is not waited for longer. */
const MAX_RETRY_AFTER_MS = 24 * 3600_000;
/** How long a worker holds a claimed delivery beyond the request timeout before another may take it. */
const LEASE_SLACK_MS = 30_000;
/** After events are written here, how long the sender waits for their transaction to commit before it looks. */
const WAKE_AFTER_WRITE_MS = 25;
/**
 * How long an idle pooled connection is kept: under the 5 s that Node, Apache and many proxies keep one open
 * for, so that a request rarely goes out on a connection the receiver is closing (a shorter `Keep-Alive:
 * timeout=…` hint of the receiver is honoured by Node's agent).
 */
const IDLE_SOCKET_MS = 4000;

type Claimed = {
  id: string;
  endpoint_id: string;
  scope_id: string;
  account_id: string | null;
  type: string;
  attempts: number;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Date | null;
  data: Record<string, unknown> | null;
  test_data: Record<string, unknown> | null;
  event_at: Date | null;
  created_at: Date;
};

type Outcome =
  | { kind: 'sent'; status: number; body: string }
  | { kind: 'http-error'; status: number; body: string; retryAfterMs: number | null }
  | { kind: 'network'; error: string }
  | { kind: 'refused'; error: string }
  | { kind: 'aborted' };

export type WebhookSender = {
  /** Claims the due deliveries (up to the concurrency) and sends them; the number handled. */
  runOnce(): Promise<number>;
  start(): void;
  /** Stops polling, aborts requests in flight (their deliveries are released untouched) and waits for them. */
  stop(): Promise<void>;
  /** Looks for due deliveries now rather than at the next poll (after a test event or a re-send). */
  wake(): void;
};

/** The body every attempt of a delivery sends: the same bytes each time. */
export function payloadOf(
  d: Pick<Claimed, 'type' | 'data' | 'test_data' | 'event_at' | 'created_at'>,
): string {
  return JSON.stringify({
    type: d.type,
    timestamp: (d.event_at ?? d.created_at).toISOString(),
    version: WEBHOOK_PAYLOAD_VERSION,
    data: d.data ?? d.test_data ?? {},
  });
}

/** The webhook-signature header: one `v1,…` per secret that signs now (both for a while after a rotation). */
export function signatureOf(d: Claimed, msgId: string, at: Date, body: string): string {
  const secrets = [d.secret];
  if (d.previous_secret && d.previous_secret_until && d.previous_secret_until > at)
    secrets.push(d.previous_secret);
  return secrets.map((s) => new Webhook(s).sign(msgId, at, body)).join(' ');
}

/** Seconds or an HTTP date, as ms from now; null when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  if (/^\d+$/.test(v.trim())) return Math.min(Number(v.trim()) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.min(Math.max(at - Date.now(), 0), MAX_RETRY_AFTER_MS);
}

type Agents = { http: http.Agent; https: https.Agent };

/**
 * Keep-alive pools, one per receiver (host and port) as Node's agents keep them. A socket is checked once, when
 * it connects (`guardedLookup` on the resolved address, the same for every request of a sender), and stays
 * bound to that address: reusing it never reaches an address that was not checked.
 */
function keepAliveAgents(concurrency: number): Agents {
  const options = {
    keepAlive: true,
    maxSockets: concurrency,
    timeout: IDLE_SOCKET_MS,
    scheduling: 'lifo' as const,
  };
  return { http: new http.Agent(options), https: new https.Agent(options) };
}

/** A pooled connection that the receiver had closed: the request never reached it, so it goes again at once. */
const staleSocket = (request: http.ClientRequest, err: NodeJS.ErrnoException) =>
  request.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');

function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowPrivate: boolean; signal: AbortSignal; agents: Agents },
): Promise<Outcome> {
  const shape = urlShapeProblem(url);
  if (shape) return Promise.resolve({ kind: 'refused', error: shape });
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  // A literal address never reaches `lookup`: it is checked here.
  if (!options.allowPrivate && isIP(host) && isPrivateAddress(host))
    return Promise.resolve({ kind: 'refused', error: `${host} is a private or loopback address` });
  return new Promise((resolve) => {
    let settled = false;
    let answered = false;
    const done = (o: Outcome | Promise<Outcome>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      resolve(o);
    };
    const secure = target.protocol === 'https:';
    const request = (secure ? https : http).request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() },
        // Checked for each new connection of the pool; redirects are not followed (http.request never does).
        lookup: guardedLookup(options.allowPrivate),
        agent: secure ? options.agents.https : options.agents.http,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        let kept = 0;
        const finish = () => {
          const text = Buffer.concat(chunks).subarray(0, RESPONSE_KEEP_BYTES).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) done({ kind: 'sent', status, body: text });
          else
            done({
              kind: 'http-error',
              status,
              body: text,
              retryAfterMs: retryAfterMs(res.headers['retry-after']),
            });
        };
        res.on('data', (chunk: Buffer) => {
          if (kept < RESPONSE_KEEP_BYTES) chunks.push(chunk);
          kept += chunk.length;
          if (kept < RESPONSE_KEEP_BYTES) return;
          // The rest of a large answer is not read: its connection is closed rather than reused.
          finish();
          res.destroy();
        });
        res.on('end', finish);
        res.on('error', finish);
      },
    );
    const onAbort = () => {
      request.destroy();
      done({ kind: 'aborted' });
    };
    const timer = setTimeout(() => {
      request.destroy();
      done({ kind: 'network', error: `No answer within ${options.timeoutMs / 1000} s` });
    }, options.timeoutMs);
    options.signal.addEventListener('abort', onAbort);
    request.on('error', (err: NodeJS.ErrnoException) => {
      if (!answered && !settled && staleSocket(request, err)) done(post(url, headers, body, options));
      else if (err.code === 'EREFUSED_PRIVATE') done({ kind: 'refused', error: err.message });
      else
        done({ kind: 'network', error: `${err.code ? `${err.code}: ` : ''}${err.message}`.slice(0, 1000) });
    });
    request.end(body);
  });
}

const retryable = (o: Outcome) =>
  o.kind === 'network' || (o.kind === 'http-error' && (o.status >= 500 || o.status === 429));

/**
 * Delivers webhooks from `webhook_deliveries`, on every instance: a worker claims due rows with
 * `FOR UPDATE SKIP LOCKED` (so two instances never take the same one) under a lease, and only the oldest
 * unfinished delivery of an account to an endpoint, so each endpoint receives an account's events in order.
 */
export function createWebhookSender(
  db: Db,
  outbox: Outbox,
  options: Config['webhooks'] & {
    publicUrl: string;
    /** PostgreSQL's: deliveries added on any instance wake this sender at their commit (LISTEN). */
    databaseUrl?: string;
  },
  log: (msg: string, err?: unknown) => void = () => {},
): WebhookSender {
  const inFlight = new Set<AbortController>();
  const agents = keepAliveAgents(options.concurrency);
  let stopped = true;
  let timer: NodeJS.Timeout | null = null;
  /** A look asked for while a pass runs: the next pass follows at once. */
  let wanted = false;
  let soonTimer: NodeJS.Timeout | null = null;
  let unsubscribe = () => {};
  let listener: DeliveriesListener | null = null;
  let current: Promise<unknown> = Promise.resolve();
  const leaseMs = options.timeoutMs + LEASE_SLACK_MS;

  async function claim(limit: number): Promise<Claimed[]> {
    const { rows } = await sql<Claimed>`
      UPDATE webhook_deliveries d
      SET status = 'sending', attempts = d.attempts + 1,
          lease_until = now() + ${`${leaseMs} milliseconds`}::interval
      FROM webhook_endpoints w
      WHERE w.id = d.endpoint_id AND d.id IN (
        SELECT c.id FROM webhook_deliveries c
        JOIN webhook_endpoints e ON e.id = c.endpoint_id AND e.enabled
        WHERE ((c.status = 'pending' AND c.next_attempt_at <= now())
            OR (c.status = 'sending' AND c.lease_until < now()))
          AND NOT EXISTS (
            SELECT 1 FROM webhook_deliveries p
            WHERE p.endpoint_id = c.endpoint_id AND p.account_id = c.account_id
              AND p.status IN ('pending', 'sending') AND p.seq < c.seq)
        ORDER BY c.next_attempt_at, c.seq
        LIMIT ${limit}
        FOR UPDATE OF c SKIP LOCKED)
      RETURNING d.id, d.endpoint_id, w.scope_id, d.account_id, d.type, d.attempts, d.test_data, d.created_at,
        w.url, w.secret, w.previous_secret, w.previous_secret_until,
        (SELECT data FROM events WHERE id = d.event_id) AS data,
        (SELECT created_at FROM events WHERE id = d.event_id) AS event_at`.execute(db);
    return rows.map((r) => ({
      ...r,
      created_at: new Date(r.created_at),
      event_at: r.event_at ? new Date(r.event_at) : null,
      previous_secret_until: r.previous_secret_until ? new Date(r.previous_secret_until) : null,
    }));
  }

  async function disableEndpoint(endpointId: string, reason: string) {
    await db.transaction().execute(async (tx) => {
      const endpoint = await tx
        .updateTable('webhook_endpoints')
        .set({ enabled: false, disabled_reason: reason, updated_at: new Date() })
        .where('id', '=', endpointId)
        .where('enabled', '=', true)
        .returning(['url', 'scope_id'])
        .executeTakeFirst();
      if (!endpoint) return;
      // Pushes waiting on this endpoint will not arrive now: their accounts show it.
      await failUndeliverablePushes(tx, endpoint.scope_id);
      const admins = await tx
        .selectFrom('employees')
        .select('email')
        .where('status', '=', 'active')
        .where(sql<boolean>`'administrator' = ANY(roles)`)
        .execute();
      await outbox.enqueueMany(
        tx,
        admins.map((a) => ({
          scopeId: endpoint.scope_id,
          templateKey: 'webhook-disabled',
          language: 'en',
          to: a.email,
          variables: {
            webhook: { url: endpoint.url, reason },
            settingsUrl: `${options.publicUrl}/settings/integrations`,
          },
        })),
      );
    });
  }

  type Sent = {
    d: Claimed;
    outcome: Outcome;
    request: { headers: Record<string, string>; body: string };
    durationMs: number;
  };

  /**
   * Records a batch of attempts set-based: one transaction of three statements whatever the batch size (the
   * attempts, the deliveries' new states, the endpoints' failing_since), then disables failing endpoints.
   */
  async function recordAll(batch: Sent[]) {
    const aborted = batch.filter((s) => s.outcome.kind === 'aborted').map((s) => s.d.id);
    if (aborted.length)
      // A stopping server gives the delivery back as it found it: the next instance sends it.
      await db
        .updateTable('webhook_deliveries')
        .set({ status: 'pending', attempts: sql`attempts - 1`, lease_until: null })
        .where('id', 'in', aborted)
        .where('status', '=', 'sending')
        .execute();
    const done = batch.filter((s) => s.outcome.kind !== 'aborted');
    if (!done.length) return;
    const schedule = options.retryScheduleMs;
    const rows = done.map(({ d, outcome, request, durationMs }) => {
      const ok = outcome.kind === 'sent';
      const status = 'status' in outcome ? outcome.status : null;
      const error =
        outcome.kind === 'network' || outcome.kind === 'refused'
          ? outcome.error
          : outcome.kind === 'http-error'
            ? `HTTP ${outcome.status}${outcome.status >= 300 && outcome.status < 400 ? ' (redirects are not followed)' : ''}`
            : null;
      const again = !ok && retryable(outcome) && d.attempts < schedule.length;
      const delay = Math.max(
        schedule[d.attempts] ?? 0,
        outcome.kind === 'http-error' ? (outcome.retryAfterMs ?? 0) : 0,
      );
      return {
        d,
        ok,
        again,
        gone: outcome.kind === 'http-error' && outcome.status === 410,
        attempt: {
          delivery_id: d.id,
          attempt: d.attempts,
          request_headers: JSON.stringify(request.headers),
          request_body: request.body,
          response_status: status,
          response_body: 'body' in outcome ? outcome.body : null,
          error,
          duration_ms: Math.round(durationMs),
        },
        state: {
          id: d.id,
          status: ok ? 'succeeded' : again ? 'pending' : 'failed',
          next_attempt_at: again ? new Date(Date.now() + delay).toISOString() : null,
          last_status: status,
          last_error: ok ? null : error,
          done: !again,
        },
      };
    });
    // An endpoint that answered well once in the batch is not failing.
    const endpoints = new Map<string, boolean>();
    for (const r of rows) endpoints.set(r.d.endpoint_id, (endpoints.get(r.d.endpoint_id) ?? false) || r.ok);
    const failing = await db.transaction().execute(async (tx) => {
      await tx
        .insertInto('webhook_attempts')
        .values(rows.map((r) => r.attempt))
        .execute();
      await sql`
        UPDATE webhook_deliveries d
        SET status = v.status, next_attempt_at = v.next_attempt_at, lease_until = NULL,
          last_status = v.last_status, last_error = v.last_error,
          completed_at = CASE WHEN v.done THEN now() END
        FROM jsonb_to_recordset(${JSON.stringify(rows.map((r) => r.state))}::jsonb)
          AS v(id uuid, status text, next_attempt_at timestamptz, last_status int, last_error text, done boolean)
        WHERE d.id = v.id`.execute(tx);
      const { rows: states } = await sql<{ id: string; failing_since: Date | string | null }>`
        UPDATE webhook_endpoints w
        SET failing_since = CASE WHEN v.ok THEN NULL ELSE coalesce(w.failing_since, now()) END
        FROM jsonb_to_recordset(${JSON.stringify([...endpoints].map(([id, ok]) => ({ id, ok })))}::jsonb)
          AS v(id uuid, ok boolean)
        WHERE w.id = v.id
        RETURNING w.id, w.failing_since`.execute(tx);
      // A push that has now failed everywhere it was sent leaves its account `failed`, to be pushed again.
      const pushes = new Map<string, string[]>();
      for (const r of rows)
        if (!r.ok && !r.again && r.d.type === 'account.sync-requested' && r.d.account_id)
          pushes.set(r.d.scope_id, [...(pushes.get(r.d.scope_id) ?? []), r.d.account_id]);
      for (const [scopeId, accountIds] of pushes) await failUndeliverablePushes(tx, scopeId, accountIds);
      return states;
    });
    for (const endpointId of new Set(rows.filter((r) => r.gone).map((r) => r.d.endpoint_id)))
      await disableEndpoint(endpointId, 'The endpoint answered 410 Gone');
    for (const { id, failing_since } of failing)
      if (failing_since && Date.now() - new Date(failing_since).getTime() > options.disableAfterMs)
        await disableEndpoint(id, `Deliveries have failed since ${new Date(failing_since).toISOString()}`);
  }

  async function send(d: Claimed): Promise<Sent> {
    const controller = new AbortController();
    inFlight.add(controller);
    try {
      const body = payloadOf(d);
      const at = new Date();
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'Clientele-Webhooks/1',
        'webhook-id': d.id,
        'webhook-timestamp': Math.floor(at.getTime() / 1000).toString(),
        'webhook-signature': signatureOf(d, d.id, at, body),
      };
      const started = performance.now();
      const outcome = await post(d.url, headers, body, {
        timeoutMs: options.timeoutMs,
        allowPrivate: options.allowPrivate,
        signal: controller.signal,
        agents,
      });
      return { d, outcome, request: { headers, body }, durationMs: performance.now() - started };
    } finally {
      inFlight.delete(controller);
    }
  }

  async function runOnce(): Promise<number> {
    const claimed = await claim(options.concurrency);
    const results = await Promise.allSettled(claimed.map(send));
    for (const r of results) if (r.status === 'rejected') log('webhook delivery failed', r.reason);
    await recordAll(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
    return claimed.length;
  }

  function loop() {
    if (stopped) return;
    timer = null;
    const run = runOnce().then(
      (n) => n,
      (err: unknown) => {
        log('webhook worker error', err);
        return 0;
      },
    );
    current = run;
    void run.then((n) => {
      // A full or fruitful pass is followed by the next at once: a backlog, or an account's next event.
      const again = n > 0 || wanted;
      wanted = false;
      if (!stopped && !timer) timer = setTimeout(loop, again ? 0 : options.pollMs);
    });
  }

  function wake() {
    if (stopped) return;
    if (!timer) {
      wanted = true; // a pass is running
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(loop, 0);
  }

  /** Events were written here: look once their transaction has (most likely) committed. */
  function soon() {
    soonTimer ??= setTimeout(() => {
      soonTimer = null;
      wake();
    }, WAKE_AFTER_WRITE_MS);
  }

  return {
    runOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      unsubscribe = onEventsWritten(soon);
      // Other instances' deliveries: notified at their commit (the in-process news covers this instance).
      if (options.databaseUrl) listener = listenForDeliveries(options.databaseUrl, wake, log);
      timer = setTimeout(loop, 0);
    },
    async stop() {
      stopped = true;
      unsubscribe();
      await listener?.close();
      listener = null;
      if (soonTimer) clearTimeout(soonTimer);
      soonTimer = null;
      if (timer) clearTimeout(timer);
      timer = null;
      for (const c of inFlight) c.abort();
      await current.catch(() => {});
      // Idle pooled connections are closed; a restart opens new ones.
      agents.http.destroy();
      agents.https.destroy();
    },
    wake,
  };
}
