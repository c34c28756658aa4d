import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import type { EmailDelivery } from './email/delivery.ts';
import type { Outbox } from './email/outbox.ts';
import type { JobRunner } from './jobs/job-runner.ts';
import type { UsageWriter } from './modules/auth/usage-writer.ts';
import type { ImportRunner } from './modules/imports/import-runner.ts';
import type { WebhookSender } from './modules/webhooks/index.ts';

/** Everything the modules are wired with, built once in the composition root. */
export type AppDeps = {
  database: Database;
  config: Config;
  outbox: Outbox;
  jobs: JobRunner;
  /** SMTP delivery, when SMTP_URL is set; without it emails are captured in the log. */
  delivery: EmailDelivery | null;
  /** Runs import passes; its workers start with the server (or a test that needs them). */
  imports: ImportRunner;
  /** Delivers webhooks; its worker starts with the server (or a test that needs it). */
  webhooks: WebhookSender;
  scopeId: string;
  /** API key use and session renewals, written in batches off the requests' path. */
  usage: UsageWriter;
  /** Stops the job runner and closes the database. */
  close(): Promise<void>;
};

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;
