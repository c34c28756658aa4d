import nodemailer, { type SendMailOptions } from 'nodemailer';
import { sql } from 'kysely';
import type { Db } from '../db/client.ts';
import type { EmailRow } from '../db/schema.ts';
import { hasSecrets, redactSecrets, revealSecrets } from './secrets.ts';

export type DeliveryOptions = {
  smtpUrl: string;
  defaultFrom: { name: string; address: string };
  /** Give up on temporary failures after this long since the email was written. */
  horizonMs: number;
  /** How long a worker may hold an email it is sending before another may take it over. */
  leaseMs: number;
  /** Delay before the n-th retry (n ≥ 1). */
  retryDelayMs: (attempt: number) => number;
  /**
   * Emails each instance holds at once (claimed and not yet recorded); by default twice its SMTP
   * connections (`maxConnections`). Only these can be sent twice after the instance is killed.
   */
  concurrency?: number;
  /** How often an idle instance looks for due emails (an enqueue in this process looks sooner). */
  pollMs?: number;
};

/** 30 s, 2 min, 8 min, 32 min, then every 2 hours: the first retry comes within a minute. */
export const defaultRetryDelay = (attempt: number) => Math.min(30_000 * 4 ** (attempt - 1), 2 * 3600_000);

/** Clocks of instances and the database may differ a little: an email this close to its time counts as due. */
const DUE_SLACK_MS = 5_000;
/** How long a finished email may wait for others to be recorded with it. */
const RECORD_WAIT_MS = 50;
/** How long `close` waits for the emails in flight to be sent and recorded. */
const CLOSE_WAIT_MS = 10_000;
/** Longer than any SMTP conversation can last with the transport's timeouts. */
const MAX_HOLD_MS = 5 * 60_000;

type Transport = { sendMail(message: SendMailOptions): Promise<unknown> };

/** SMTP answers 5xx for permanent refusals; everything else (timeouts, refused connections, 4xx) may pass. */
export function isPermanent(err: unknown): boolean {
  const code = (err as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/**
 * The recipients the server refused while it took the message for the others (nodemailer resolves
 * then, with `rejected` and `rejectedErrors`), each with the server's answer.
 */
function refusedRecipients(info: unknown): { address: string; response: string }[] {
  const { rejected, rejectedErrors } = (info ?? {}) as { rejected?: unknown[]; rejectedErrors?: unknown[] };
  return (rejected ?? []).map((r, i) => ({
    address: typeof r === 'string' ? r : String((r as { address?: unknown }).address ?? r),
    response: rejectedErrors?.[i] ? describe(rejectedErrors[i]) : 'refused',
  }));
}

function describe(err: unknown): string {
  const e = err as { response?: string; message?: string; code?: string };
  return (e.response ?? e.message ?? String(err)).slice(0, 1000);
}

// A stuck server must not hold a worker for minutes; a few pooled connections carry many messages each.
// SMTP_URL may override any of these (`?pool=false`, `?maxConnections=2`).
function withDefaults(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  for (const [key, value] of [
    ['connectionTimeout', '10000'],
    ['greetingTimeout', '10000'],
    ['socketTimeout', '30000'],
    ['pool', 'true'],
    ['maxConnections', '10'],
  ] as const)
    if (!url.searchParams.has(key)) url.searchParams.set(key, value);
  return url.toString();
}

export type DeliveryResult = 'sent' | 'retry' | 'failed' | 'skipped';

export type EmailDelivery = {
  /** Claims this email if it is due (or its lease lapsed), sends it and records the outcome. */
  deliver(emailId: string): Promise<DeliveryResult>;
  /** Claims up to `limit` due emails in one statement, sends them and records them in one more; how many. */
  deliverDue(limit?: number): Promise<number>;
  /** Looks for due emails soon (an email was just written); the poll finds it once its transaction commits. */
  wake(): void;
  startWorkers(): Promise<void>;
  /** Stops claiming and waits (up to 10 s) for the emails in flight to be sent and recorded. */
  stop(): Promise<void>;
  /** Stops at once, as a dying process would: leases are no longer renewed. */
  close(): void;
};

/** What one attempt came to, as `record` writes it. */
type Outcome = {
  email: EmailRow;
  status: 'sent' | 'queued' | 'failed';
  outcome: 'sent' | 'temporary-failure' | 'permanent-failure';
  response: string | null;
  lastError: string | null;
  nextAt: Date | null;
  at: Date;
  durationMs: number;
};

const resultOf = (o: Outcome): DeliveryResult =>
  o.status === 'queued' ? 'retry' : o.status === 'sent' ? 'sent' : 'failed';

export function createEmailDelivery(
  db: Db,
  options: DeliveryOptions & { log?: (msg: string, err?: unknown) => void },
  transport?: Transport,
): EmailDelivery {
  const smtpUrl = withDefaults(options.smtpUrl);
  const smtp: Transport = transport ?? nodemailer.createTransport(smtpUrl);
  // Twice as many emails as connections keeps every connection busy, and no claimed email waits long for one.
  const concurrency =
    options.concurrency ?? 2 * (Number(new URL(smtpUrl).searchParams.get('maxConnections')) || 1);
  const pollMs = options.pollMs ?? 250;

  /** The emails this instance has claimed and not yet recorded, with the attempt that holds their lease. */
  const held = new Map<string, { attempts: number; since: number }>();
  let renewal: NodeJS.Timeout | null = null;

  // One statement renews the lease of every email held: a slow send is never taken over by another
  // worker, and after a crash only the emails held then wait (one lease) to be sent again.
  function renewLeases() {
    const now = Date.now();
    // A send stuck beyond every SMTP timeout is let go, so a live but hung worker cannot keep an email.
    const live = [...held].filter(([, h]) => now - h.since <= MAX_HOLD_MS);
    if (!live.length) return;
    void sql`UPDATE emails e SET lease_until = ${new Date(now + options.leaseMs).toISOString()}::timestamptz
      FROM unnest(${live.map(([id]) => id)}::uuid[], ${live.map(([, h]) => h.attempts)}::int[]) AS h(id, attempts)
      WHERE e.id = h.id AND e.status = 'sending' AND e.attempts = h.attempts`
      .execute(db)
      .catch((err: unknown) => options.log?.('renewing email leases failed', err));
  }
  function hold(email: EmailRow) {
    held.set(email.id, { attempts: email.attempts, since: Date.now() });
    renewal ??= setInterval(renewLeases, options.leaseMs / 3);
  }
  function release(id: string) {
    held.delete(id);
    if (!held.size && renewal) {
      clearInterval(renewal);
      renewal = null;
    }
  }

  /**
   * Moves up to `limit` emails to `sending` under a fresh lease, in one statement: queued ones that are
   * due, and sending ones whose worker let the lease lapse. SKIP LOCKED lets instances claim side by side,
   * and only one of them can move an email out of `queued`, so two never send it at once.
   */
  async function claim(limit: number, ids?: string[]): Promise<EmailRow[]> {
    const now = Date.now();
    const only = ids ? sql`AND id = ANY(${ids}::uuid[])` : sql``;
    const { rows } = await sql<EmailRow>`
      WITH lapsed AS (
        SELECT id FROM emails WHERE status = 'sending' AND lease_until < ${new Date(now).toISOString()}::timestamptz ${only}
        ORDER BY lease_until LIMIT ${limit} FOR UPDATE SKIP LOCKED
      ), due AS (
        -- A queued email only once it is due: a stray wake-up must not cut its backoff short.
        SELECT id FROM emails WHERE status = 'queued'
          AND next_attempt_at <= ${new Date(now + DUE_SLACK_MS).toISOString()}::timestamptz ${only}
        ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED
      ), picked AS (SELECT id FROM lapsed UNION ALL SELECT id FROM due LIMIT ${limit})
      UPDATE emails e
      SET status = 'sending', lease_until = ${new Date(now + options.leaseMs).toISOString()}::timestamptz,
        attempts = e.attempts + 1
      FROM picked WHERE e.id = picked.id
      RETURNING e.*`.execute(db);
    return rows;
  }

  /** Sends one claimed email; never throws, so one email's failure is its own. */
  async function send(email: EmailRow): Promise<Outcome> {
    const started = Date.now();
    const refused: { address: string; response: string }[] = [];
    try {
      const fromAddress = email.from_address ?? options.defaultFrom.address;
      const fromName = email.from_name ?? options.defaultFrom.name;
      const from = { name: fromName, address: fromAddress };
      // A link's token is for the person the email is for: copies of a link email get the log's
      // version (link hidden), as a message of their own, so a bcc set in the settings can't take it.
      const separateCopies = hasSecrets(email.secrets) && email.cc.length + email.bcc.length > 0;
      // The copies of a link email, in a message of their own: after the email itself went out or was
      // refused for good (as one message they would have gone then too), never before a retry of it.
      const sendCopies = async () => {
        const copies = await smtp
          .sendMail({
            from,
            cc: email.cc,
            bcc: email.bcc,
            subject: redactSecrets(email.subject),
            text: redactSecrets(email.text),
            html: redactSecrets(email.html),
            messageId: email.message_id.replace('<', '<copy.'),
          })
          .then(refusedRecipients, (err: unknown) =>
            [...email.cc, ...email.bcc].map((address) => ({ address, response: describe(err) })),
          );
        refused.push(...copies);
      };
      const info = await smtp
        .sendMail({
          from,
          to: email.to_address,
          ...(!separateCopies && { cc: email.cc, bcc: email.bcc }),
          // The stored bodies hold placeholders; only the message on the wire carries the tokens.
          subject: revealSecrets(email.subject, email.secrets),
          text: revealSecrets(email.text, email.secrets),
          html: revealSecrets(email.html, email.secrets),
          messageId: email.message_id,
        })
        .catch(async (err: unknown) => {
          if (separateCopies && isPermanent(err)) await sendCopies();
          throw err;
        });
      refused.unshift(...refusedRecipients(info));
      if (separateCopies) await sendCopies();
      // Copies went out, but not to the person the email is for: that is a failed email, not a sent one.
      const main = refused.find((r) => r.address.toLowerCase() === email.to_address.toLowerCase());
      if (main) throw Object.assign(new Error(main.response), { responseCode: 550, response: main.response });
    } catch (err) {
      const permanent = isPermanent(err);
      const nextAt = new Date(Date.now() + options.retryDelayMs(email.attempts));
      const giveUp = permanent || nextAt.getTime() > email.created_at.getTime() + options.horizonMs;
      return {
        email,
        status: giveUp ? 'failed' : 'queued',
        outcome: permanent ? 'permanent-failure' : 'temporary-failure',
        response: describe(err),
        lastError:
          giveUp && !permanent ? `Gave up after ${email.attempts} attempts: ${describe(err)}` : describe(err),
        nextAt: giveUp ? null : nextAt,
        at: new Date(),
        durationMs: Date.now() - started,
      };
    }
    return {
      email,
      status: 'sent',
      outcome: 'sent',
      // Copies the server refused are kept in the attempt, where the email log shows them.
      response: refused.length
        ? `Not delivered to ${refused.map((r) => `${r.address} (${r.response})`).join(', ')}`.slice(0, 1000)
        : null,
      lastError: null,
      nextAt: null,
      at: new Date(),
      durationMs: Date.now() - started,
    };
  }

  /**
   * Writes the outcomes of many attempts in one statement: each email's status, and its attempt row.
   * An email another worker took over meanwhile (its attempt count moved on) keeps that worker's state.
   * A raw token is kept only while the email may still be sent.
   */
  async function record(outcomes: Outcome[]): Promise<void> {
    if (!outcomes.length) return;
    const column = <T>(pick: (o: Outcome) => T) => outcomes.map(pick);
    await sql`
      WITH v AS (
        SELECT * FROM unnest(
          ${column((o) => o.email.id)}::uuid[], ${column((o) => o.email.attempts)}::int[],
          ${column((o) => o.status)}::text[], ${column((o) => o.outcome)}::text[],
          ${column((o) => o.response)}::text[], ${column((o) => o.lastError)}::text[],
          ${column((o) => o.nextAt?.toISOString() ?? null)}::timestamptz[],
          ${column((o) => o.at.toISOString())}::timestamptz[], ${column((o) => o.durationMs)}::int[]
        ) AS v(id, attempts, status, outcome, response, last_error, next_attempt_at, at, duration_ms)
      ), done AS (
        UPDATE emails e
        SET status = v.status, last_error = v.last_error, next_attempt_at = v.next_attempt_at,
          lease_until = NULL, sent_at = CASE WHEN v.status = 'sent' THEN v.at ELSE e.sent_at END,
          secrets = CASE WHEN v.status = 'queued' THEN e.secrets END
        FROM v WHERE e.id = v.id AND e.status = 'sending' AND e.attempts = v.attempts
      )
      INSERT INTO email_attempts (email_id, at, outcome, response, duration_ms)
      SELECT id, at, outcome, response, duration_ms FROM v`.execute(db);
  }

  /** One batch from claim to record, for `deliver` and `deliverDue`. */
  async function deliverBatch(limit: number, ids?: string[]): Promise<Outcome[]> {
    const claimed = await claim(limit, ids);
    claimed.forEach(hold);
    try {
      const outcomes = await Promise.all(claimed.map(send));
      await record(outcomes);
      return outcomes;
    } finally {
      for (const email of claimed) release(email.id);
    }
  }

  // The workers: claim when half the slots are free, send each email as it comes, and record what
  // finished in one statement while the next ones are on the wire (whatever finished meanwhile waits
  // for the next one). A slot is free again once its email is recorded, so at most `concurrency`
  // emails per instance are ever sent and unrecorded.
  let running = false;
  let pollTimer: NodeJS.Timeout | null = null;
  let wakeTimer: NodeJS.Timeout | null = null;
  let polling: Promise<void> | null = null;
  let pollAgain = false;
  let claimFailing = false;
  const finished: Outcome[] = [];
  let flushing: Promise<void> | null = null;
  const sending = new Set<Promise<void>>();

  async function claimWhileRoom() {
    while (running) {
      const room = concurrency - held.size;
      if (room < Math.max(1, Math.floor(concurrency / 2))) return;
      const claimed = await claim(room);
      for (const email of claimed) {
        hold(email);
        const done = send(email).then((outcome) => {
          finished.push(outcome);
          sending.delete(done);
          return recordSoon();
        });
        sending.add(done);
      }
      if (claimed.length < room) return;
      // The embedded database has one session: requests get their turn between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  function poll(): Promise<void> {
    if (polling) {
      pollAgain = true;
      return polling;
    }
    polling = (async () => {
      try {
        do {
          pollAgain = false;
          await claimWhileRoom();
        } while (pollAgain && running);
        claimFailing = false;
      } catch (err) {
        // Once per outage: the workers poll four times a second.
        if (!claimFailing) options.log?.('claiming emails failed', err);
        claimFailing = true;
      } finally {
        polling = null;
      }
    })();
    return polling;
  }

  // Outcomes are recorded once half of the emails held have finished, or all those still sending did,
  // or a moment after the first: fewer, larger statements, which the embedded database needs most.
  let recordTimer: NodeJS.Timeout | null = null;
  function recordSoon(): Promise<void> | void {
    if (finished.length * 2 >= held.size || sending.size === 0) {
      if (recordTimer) clearTimeout(recordTimer);
      recordTimer = null;
      return flush();
    }
    recordTimer ??= setTimeout(() => {
      recordTimer = null;
      void flush();
    }, RECORD_WAIT_MS);
  }

  function flush(): Promise<void> {
    if (flushing) return flushing;
    if (!finished.length) return Promise.resolve();
    const run = async () => {
      while (finished.length) {
        const batch = finished.splice(0);
        try {
          await record(batch);
        } catch (err) {
          // Their leases lapse and they are claimed again: sent twice at worst, never lost.
          options.log?.('recording email attempts failed', err);
        }
        for (const o of batch) release(o.email.id);
      }
    };
    flushing = run().finally(() => {
      flushing = null;
      // What finished after the last statement began waits for the next.
      if (finished.length) void flush();
      else if (running) void poll();
    });
    return flushing;
  }

  return {
    async deliver(emailId) {
      const [outcome] = await deliverBatch(1, [emailId]);
      return outcome ? resultOf(outcome) : 'skipped';
    },
    async deliverDue(limit = concurrency) {
      return (await deliverBatch(limit)).length;
    },
    wake() {
      if (!running || wakeTimer) return;
      // Most transactions that write an email commit within a few milliseconds of it.
      wakeTimer = setTimeout(() => {
        wakeTimer = null;
        void poll();
      }, 20);
    },
    async startWorkers() {
      if (running) return;
      running = true;
      pollTimer = setInterval(() => void poll(), pollMs);
      await poll();
    },
    async stop() {
      running = false;
      if (pollTimer) clearInterval(pollTimer);
      if (wakeTimer) clearTimeout(wakeTimer);
      pollTimer = wakeTimer = null;
      const settled = (async () => {
        await polling;
        await Promise.allSettled([...sending]);
        await flush();
      })();
      await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
    },
    close() {
      running = false;
      for (const timer of [pollTimer, wakeTimer, renewal, recordTimer]) if (timer) clearInterval(timer);
      pollTimer = wakeTimer = renewal = recordTimer = null;
      held.clear();
      (smtp as { close?: () => void }).close?.();
    },
  };
}
