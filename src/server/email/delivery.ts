import nodemailer, { type SendMailOptions } from 'nodemailer';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db, Executor } from '../db/client.ts';
import type { EmailRow } from '../db/schema.ts';
import { defineQueue, type JobRunner } from '../jobs/job-runner.ts';
import { hasSecrets, redactSecrets, revealSecrets } from './secrets.ts';

export const deliverEmailQueue = defineQueue('email.deliver', z.object({ emailId: z.uuid() }), {
  // Our own backoff schedules the next attempt; pg-boss's retries only cover a worker that died.
  retry: { limit: 10, delaySeconds: 30, backoff: true },
  expireInSeconds: 120,
});
export const sweepEmailsQueue = defineQueue('email.sweep', z.object({}), {
  retry: { limit: 0, delaySeconds: 60, backoff: false },
  expireInSeconds: 60,
});

export type DeliveryOptions = {
  smtpUrl: string;
  defaultFrom: { name: string; address: string };
  /** Give up on temporary failures after this long since the email was written. */
  horizonMs: number;
  /** How long a worker may hold an email it is sending before another may take it over. */
  leaseMs: number;
  /** Delay before the n-th retry (n ≥ 1). */
  retryDelayMs: (attempt: number) => number;
  /** Emails each instance has in flight at once; by default twice its SMTP connections (`maxConnections`). */
  concurrency?: number;
};

/** 30 s, 2 min, 8 min, 32 min, then every 2 hours: the first retry comes within a minute. */
export const defaultRetryDelay = (attempt: number) => Math.min(30_000 * 4 ** (attempt - 1), 2 * 3600_000);

/** Clocks of instances and the database may differ a little: an email this close to its time counts as due. */
const DUE_SLACK_MS = 5_000;
const SWEEP_WINDOW_SECONDS = 5 * 60;
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

export type EmailDelivery = {
  /** Schedules delivery of an email written in this transaction. */
  schedule(db: Executor, emailId: string, at?: Date): Promise<void>;
  deliver(emailId: string): Promise<'sent' | 'retry' | 'failed' | 'skipped'>;
  /** Re-schedules emails whose job was lost or whose worker died holding them. */
  sweep(): Promise<number>;
  startWorkers(): Promise<void>;
  close(): void;
};

export function createEmailDelivery(
  db: Db,
  jobs: JobRunner,
  options: DeliveryOptions,
  transport?: Transport,
): EmailDelivery {
  const smtpUrl = withDefaults(options.smtpUrl);
  const smtp: Transport = transport ?? nodemailer.createTransport(smtpUrl);
  // Twice as many emails as connections keeps every connection busy, and no claimed email waits long for one.
  const concurrency =
    options.concurrency ?? 2 * (Number(new URL(smtpUrl).searchParams.get('maxConnections')) || 1);

  // The lease renewals of the emails this instance is sending; closing the instance stops them.
  const renewals = new Set<NodeJS.Timeout>();
  const stopRenewing = (timer: NodeJS.Timeout) => {
    clearInterval(timer);
    renewals.delete(timer);
  };

  async function schedule(tx: Executor, emailId: string, at?: Date) {
    await jobs.send(deliverEmailQueue, { emailId }, { db: tx, ...(at && { startAfter: at }) });
  }

  async function claim(emailId: string): Promise<EmailRow | undefined> {
    const leaseUntil = new Date(Date.now() + options.leaseMs);
    return db
      .updateTable('emails')
      .set({ status: 'sending', lease_until: leaseUntil, attempts: sql`attempts + 1` })
      .where('id', '=', emailId)
      .where((eb) =>
        eb.or([
          // A queued email only once it is due: a stray or duplicate job must not cut its backoff short.
          eb.and([
            eb('status', '=', 'queued'),
            eb.or([
              eb('next_attempt_at', 'is', null),
              eb('next_attempt_at', '<=', new Date(Date.now() + DUE_SLACK_MS)),
            ]),
          ]),
          eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', new Date())]),
        ]),
      )
      .returningAll()
      .executeTakeFirst();
  }

  async function deliver(emailId: string): Promise<'sent' | 'retry' | 'failed' | 'skipped'> {
    // Only one worker can move an email from queued to sending, so two instances never both send it.
    const email = await claim(emailId);
    if (!email) return 'skipped';
    const started = Date.now();
    const refused: { address: string; response: string }[] = [];
    // A short lease, extended while this worker is alive: after a crash, only the emails it had in
    // flight wait (one lease) to be sent again, and a slow send is never taken over by another worker.
    const renewal = setInterval(() => {
      // A send stuck beyond every SMTP timeout is let go, so a live but hung worker cannot keep an email.
      if (Date.now() - started > MAX_HOLD_MS) return stopRenewing(renewal);
      void db
        .updateTable('emails')
        .set({ lease_until: new Date(Date.now() + options.leaseMs) })
        .where('id', '=', email.id)
        .where('status', '=', 'sending')
        .where('attempts', '=', email.attempts)
        .execute()
        .catch(() => {});
    }, options.leaseMs / 3);
    renewals.add(renewal);
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
        })
        .finally(() => {
          if (!separateCopies) stopRenewing(renewal);
        });
      refused.unshift(...refusedRecipients(info));
      if (separateCopies) await sendCopies().finally(() => stopRenewing(renewal));
      // Copies went out, but not to the person the email is for: that is a failed email, not a sent one.
      const main = refused.find((r) => r.address.toLowerCase() === email.to_address.toLowerCase());
      if (main) throw Object.assign(new Error(main.response), { responseCode: 550, response: main.response });
    } catch (err) {
      stopRenewing(renewal);
      const permanent = isPermanent(err);
      const nextAt = new Date(Date.now() + options.retryDelayMs(email.attempts));
      const giveUp = permanent || nextAt.getTime() > email.created_at.getTime() + options.horizonMs;
      await db.transaction().execute(async (tx) => {
        await tx
          .insertInto('email_attempts')
          .values({
            email_id: email.id,
            outcome: permanent ? 'permanent-failure' : 'temporary-failure',
            response: describe(err),
            duration_ms: Date.now() - started,
          })
          .execute();
        await tx
          .updateTable('emails')
          .set({
            status: giveUp ? 'failed' : 'queued',
            last_error:
              giveUp && !permanent
                ? `Gave up after ${email.attempts} attempts: ${describe(err)}`
                : describe(err),
            next_attempt_at: giveUp ? null : nextAt,
            lease_until: null,
            // A link that will never be sent is not kept.
            ...(giveUp && { secrets: null }),
          })
          .where('id', '=', email.id)
          .execute();
        if (!giveUp) await schedule(tx, email.id, nextAt);
      });
      return giveUp ? 'failed' : 'retry';
    }
    await db.transaction().execute(async (tx) => {
      await tx
        .insertInto('email_attempts')
        .values({
          email_id: email.id,
          outcome: 'sent',
          // Copies the server refused are kept in the attempt, where the email log shows them.
          response: refused.length
            ? `Not delivered to ${refused.map((r) => `${r.address} (${r.response})`).join(', ')}`.slice(
                0,
                1000,
              )
            : null,
          duration_ms: Date.now() - started,
        })
        .execute();
      await tx
        .updateTable('emails')
        .set({
          status: 'sent',
          sent_at: new Date(),
          lease_until: null,
          next_attempt_at: null,
          last_error: null,
          secrets: null,
        })
        .where('id', '=', email.id)
        .execute();
    });
    return 'sent';
  }

  async function sweep(): Promise<number> {
    const graceMs = 60_000;
    const due = await db
      .selectFrom('emails')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<', new Date(Date.now() - graceMs))]),
          eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', new Date())]),
        ]),
      )
      .limit(1000)
      .execute();
    // One sweep job per email per window: while workers are behind, later sweeps do not pile up duplicates.
    for (const { id } of due)
      await jobs.send(
        deliverEmailQueue,
        { emailId: id },
        { singletonKey: `sweep:${id}`, singletonSeconds: SWEEP_WINDOW_SECONDS },
      );
    return due.length;
  }

  return {
    schedule,
    deliver,
    sweep,
    async startWorkers() {
      await jobs.work(
        deliverEmailQueue,
        async ({ emailId }) => {
          await deliver(emailId);
        },
        { pollingIntervalSeconds: 0.5, batchSize: concurrency },
      );
      await jobs.work(sweepEmailsQueue, async () => {
        await sweep();
      });
      await jobs.schedule(sweepEmailsQueue, '* * * * *', {});
    },
    close() {
      for (const timer of renewals) stopRenewing(timer);
      (smtp as { close?: () => void }).close?.();
    },
  };
}
