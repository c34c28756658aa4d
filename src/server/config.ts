import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  EMBEDDED_SHARED_BUFFERS_MB: z.coerce.number().int().min(1).max(1024).default(16),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres://')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  DATABASE_CONNECT_TIMEOUT_SECONDS: z.coerce.number().positive().max(300).default(5),
  PUBLIC_URL: z.url().optional(),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(10, 'ADMIN_PASSWORD needs at least 10 characters').optional(),
  SESSION_TTL_HOURS: z.coerce.number().positive().default(12),
  ACTIVATION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .default(24 * 7),
  PASSWORD_RESET_TTL_MINUTES: z.coerce.number().positive().default(60),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'SMTP_URL must look like smtp://user:pass@host:587 or smtps://…')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  EMAIL_FROM: z.string().optional(),
  EMAIL_RETRY_HOURS: z.coerce.number().positive().default(24),
  EMAIL_LEASE_SECONDS: z.coerce.number().positive().default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z
    .string()
    .trim()
    .default('false')
    .transform((v, ctx) => {
      if (v === 'false' || v === '' || v === '0') return false;
      // `true` used to trust every hop, which let a client name its own address: now it means our one proxy.
      if (v === 'true') return trustHops(1);
      if (/^\d+$/.test(v)) return trustHops(Number(v));
      const list = v.split(',').map((a) => a.trim());
      const bad = list.filter((a) => !isAddressOrCidr(a));
      if (bad.length) {
        ctx.addIssue({
          code: 'custom',
          message: `expected false, a number of proxy hops, or proxy addresses/CIDRs separated by commas; not an address: ${bad.join(', ')}`,
        });
        return z.NEVER;
      }
      return list;
    }),
  IMPORT_MAX_FILE_MB: z.coerce.number().positive().default(200),
  IMPORT_DROP_DIR: z.string().optional(),
  IMPORT_LEASE_SECONDS: z.coerce.number().positive().default(60),
  IMPORT_BATCH_ROWS: z.coerce.number().int().min(1).max(100_000).default(5000),
  IMPORT_APPLY_WORKERS: z.coerce.number().int().min(1).max(8).default(2),
  IMPORT_SLICE_MS: z.coerce.number().int().min(10).max(5000).default(250),
  ERP_BATCH_MAX_MB: z.coerce.number().positive().max(65536).default(512),
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false', '1', '0', '']).default('false'),
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*$/, 'expected seconds separated by commas, e.g. 0,5,300')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().positive().max(60).default(10),
  WEBHOOK_DISABLE_AFTER_DAYS: z.coerce.number().positive().default(5),
  WEBHOOK_SECRET_OVERLAP_HOURS: z.coerce.number().min(0).default(24),
  WEBHOOK_POLL_SECONDS: z.coerce.number().positive().max(60).default(1),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(50),
});

/** 0 s, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h: the delays before each attempt. */
export const DEFAULT_WEBHOOK_SCHEDULE = [0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400];

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  /** The embedded database's page cache (PGlite's shared_buffers), in MiB; the OS caches the files too. */
  embeddedSharedBuffersMb: number;
  databaseUrl: string | undefined;
  /** How long a request waits for a database connection (a new one, or a free one of the pool) before a 503. */
  databaseConnectTimeoutMs: number;
  publicUrl: string;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  sessionTtlMs: number;
  activationTtlMs: number;
  passwordResetTtlMs: number;
  smtpUrl: string | undefined;
  /** The sender of system emails unless a template's settings name another. */
  emailFrom: { name: string; address: string };
  emailRetryHorizonMs: number;
  /** How long a worker holds an email it sends; renewed while it sends. */
  emailLeaseMs: number;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  /**
   * Which `X-Forwarded-For` entries to believe: none, the right-most `n` hops (our proxies add those), or
   * those added by these proxy addresses/CIDRs. Never the left-most, which any client can write.
   */
  trustProxy: false | string[] | TrustHops;
  imports: {
    maxFileBytes: number;
    /** Folder watched for scheduled imports: one sub-folder per import type. */
    dropDir: string | undefined;
    /** How long a worker holds a running import without news before another instance resumes it. */
    leaseMs: number;
    /** Rows read, validated and staged in one transaction, and lines applied in one. */
    batchRows: number;
    /** Line ranges applied at once, each on its own connection (PostgreSQL only; the embedded database has one). */
    applyWorkers: number;
    /** On the embedded database, how long one import batch holds its single session before it yields. */
    sliceMs: number;
  };
  /** The most `POST /api/erp/batch` reads of one request body, declared or streamed (chunked). */
  erpBatchMaxBytes: number;
  webhooks: {
    /** Deliver to loopback, link-local and private addresses too (an ERP on the local network). */
    allowPrivate: boolean;
    /** Delay before each attempt, in ms: the first is the delay after the event, then after each failure. */
    retryScheduleMs: number[];
    timeoutMs: number;
    /** An endpoint whose deliveries have failed for this long is disabled. */
    disableAfterMs: number;
    /** After a rotation, how long the previous secret still signs beside the new one. */
    secretOverlapMs: number;
    pollMs: number;
    /** Deliveries one instance sends at once. */
    concurrency: number;
  };
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    embeddedSharedBuffersMb: e.EMBEDDED_SHARED_BUFFERS_MB,
    databaseUrl: e.DATABASE_URL,
    databaseConnectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_SECONDS * 1000,
    publicUrl,
    adminEmail: e.ADMIN_EMAIL,
    adminPassword: e.ADMIN_PASSWORD,
    sessionTtlMs: e.SESSION_TTL_HOURS * 3600_000,
    activationTtlMs: e.ACTIVATION_TTL_HOURS * 3600_000,
    passwordResetTtlMs: e.PASSWORD_RESET_TTL_MINUTES * 60_000,
    smtpUrl: e.SMTP_URL,
    emailFrom: parseFrom(e.EMAIL_FROM, publicUrl),
    emailRetryHorizonMs: e.EMAIL_RETRY_HOURS * 3600_000,
    emailLeaseMs: e.EMAIL_LEASE_SECONDS * 1000,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    imports: {
      maxFileBytes: e.IMPORT_MAX_FILE_MB * 1024 * 1024,
      dropDir: e.IMPORT_DROP_DIR ? path.resolve(e.IMPORT_DROP_DIR) : undefined,
      leaseMs: e.IMPORT_LEASE_SECONDS * 1000,
      batchRows: e.IMPORT_BATCH_ROWS,
      applyWorkers: e.IMPORT_APPLY_WORKERS,
      sliceMs: e.IMPORT_SLICE_MS,
    },
    erpBatchMaxBytes: Math.floor(e.ERP_BATCH_MAX_MB * 1024 * 1024),
    webhooks: {
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE === 'true' || e.WEBHOOK_ALLOW_PRIVATE === '1',
      retryScheduleMs: (e.WEBHOOK_RETRY_SCHEDULE
        ? e.WEBHOOK_RETRY_SCHEDULE.split(',').map(Number)
        : DEFAULT_WEBHOOK_SCHEDULE
      ).map((s) => s * 1000),
      timeoutMs: e.WEBHOOK_TIMEOUT_SECONDS * 1000,
      disableAfterMs: e.WEBHOOK_DISABLE_AFTER_DAYS * 86400_000,
      secretOverlapMs: e.WEBHOOK_SECRET_OVERLAP_HOURS * 3600_000,
      pollMs: e.WEBHOOK_POLL_SECONDS * 1000,
      concurrency: e.WEBHOOK_CONCURRENCY,
    },
  };
}

/** Trusts the peer and the hops our `n` proxies added: the client is the `n`-th address from the right. */
export type TrustHops = ((address: string, hop: number) => boolean) & { hops: number };

// Fastify 5 takes a bare number as "trust nothing" (it cannot check the peer), so the count becomes a function.
function trustHops(hops: number): TrustHops {
  return Object.assign((_address: string, hop: number) => hop < hops, { hops });
}

function isAddressOrCidr(value: string): boolean {
  const [address, bits, ...rest] = value.split('/');
  if (rest.length || !address || isIP(address) === 0) return false;
  if (bits === undefined) return true;
  const max = isIP(address) === 4 ? 32 : 128;
  return /^\d+$/.test(bits) && Number(bits) <= max;
}

/** `Name <address>` or a bare address; by default no-reply at the public host. */
function parseFrom(value: string | undefined, publicUrl: string): { name: string; address: string } {
  const host = new URL(publicUrl).hostname;
  const fallback = { name: 'Clientele', address: `no-reply@${host.includes('.') ? host : `${host}.local`}` };
  if (!value) return fallback;
  const m = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(value);
  const from = m
    ? { name: m[1]!.replace(/^"|"$/g, ''), address: m[2]! }
    : { name: fallback.name, address: value.trim() };
  if (!z.email().safeParse(from.address).success)
    throw new Error(`Invalid configuration:\n  EMAIL_FROM: not an email address: ${value}`);
  return from;
}
