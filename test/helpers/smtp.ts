import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** One message as the SMTP server received it. */
export type CapturedMessage = {
  /** MAIL FROM and RCPT TO: bcc recipients appear here and nowhere in the headers. */
  envelope: { from: string | null; to: string[] };
  /** The Message-ID header, with its angle brackets (`<id@host>`). */
  messageId: string | null;
  /** The parsed message (mailparser); null when the server was started with `parse: false`. */
  parsed: ParsedMail | null;
  /** `Date.now()` when the server acknowledged the message. */
  receivedAt: number;
};

/**
 * How the server answers: `accept` takes every message; `temporary` answers 451 and `permanent` 550,
 * at RCPT TO (the default) or after DATA.
 */
export type SmtpMode =
  { kind: 'accept' } | { kind: 'temporary' | 'permanent'; at?: 'rcpt' | 'data'; message?: string };

export type CapturingSmtp = {
  port: number;
  /** `smtp://127.0.0.1:PORT`, for SMTP_URL. */
  url: string;
  messages: CapturedMessage[];
  /** Answers every later command as `mode` says. */
  setMode(mode: SmtpMode | SmtpMode['kind']): void;
  /** Refuses these recipients with 550 at RCPT TO (whatever the mode), taking the message for the others. */
  refuseRecipients(addresses: string[]): void;
  /** Stops listening: connections are refused until `up()`. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Resolves with the messages once at least `count` have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<CapturedMessage[]>;
  /** Messages per Message-ID, to check that each arrived exactly once. */
  countsByMessageId(): Map<string | null, number>;
  clear(): void;
  close(): Promise<void>;
};

function smtpError(mode: Exclude<SmtpMode, { kind: 'accept' }>): Error {
  const responseCode = mode.kind === 'temporary' ? 451 : 550;
  const message =
    mode.message ??
    (mode.kind === 'temporary' ? 'Try again later (test server)' : 'Mailbox unavailable (test server)');
  return Object.assign(new Error(message), { responseCode });
}

const messageIdOf = (raw: Buffer): string | null => {
  const end = raw.indexOf('\r\n\r\n');
  const headers = raw.subarray(0, end < 0 ? raw.length : end).toString('latin1');
  return /^message-id:\s*(<[^>\r\n]+>)/im.exec(headers)?.[1] ?? null;
};

/**
 * A real SMTP server on a free 127.0.0.1 port that keeps what it receives, for tests and benchmarks.
 * STARTTLS is off (smtp-server's built-in certificate has expired) and authentication optional.
 * With `parse: false` it only reads the Message-ID, which is enough to count messages quickly;
 * `delayMs` holds each message that long before answering, so that deliveries are in flight a while.
 */
export async function startSmtpServer(
  options: { parse?: boolean; delayMs?: number } = {},
): Promise<CapturingSmtp> {
  const parse = options.parse ?? true;
  const messages: CapturedMessage[] = [];
  let mode: SmtpMode = { kind: 'accept' };
  let refused = new Set<string>();
  const waiters = new Set<() => void>();

  const serverOptions: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // close() waits this long for open connections; tests stop and start the server often.
    closeTimeout: 100,
    onRcptTo(address, _session, callback) {
      if (mode.kind !== 'accept' && (mode.at ?? 'rcpt') === 'rcpt') return callback(smtpError(mode));
      if (refused.has(address.address.toLowerCase()))
        return callback(smtpError({ kind: 'permanent', message: `No such user: ${address.address}` }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        if (mode.kind !== 'accept') return callback(smtpError(mode));
        const raw = Buffer.concat(chunks);
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        const keep = (parsed: ParsedMail | null) => {
          messages.push({
            envelope,
            messageId: parsed ? (parsed.messageId ?? null) : messageIdOf(raw),
            parsed,
            receivedAt: Date.now(),
          });
          for (const wake of waiters) wake();
          callback();
        };
        const answer = () => {
          if (!parse) return keep(null);
          simpleParser(raw).then(keep, (err: Error) => callback(err));
        };
        if (options.delayMs) setTimeout(answer, options.delayMs);
        else answer();
      });
    },
  };

  let server: SMTPServer | null = null;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = new SMTPServer(serverOptions);
      s.on('error', () => {}); // a client that hangs up is not a test failure
      const net = s.listen(port, '127.0.0.1', () => {
        server = s;
        resolve((net.address() as { port: number }).port);
      });
      net.once('error', reject);
    });
  const port = await listen(0);

  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = null;
      if (!s) return resolve();
      s.close(() => resolve());
    });

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    setMode(next) {
      mode = typeof next === 'string' ? { kind: next } : next;
    },
    refuseRecipients(addresses) {
      refused = new Set(addresses.map((a) => a.toLowerCase()));
    },
    down: stop,
    async up() {
      if (!server) await listen(port);
    },
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`Expected ${count} messages within ${timeoutMs} ms, received ${messages.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    countsByMessageId() {
      const counts = new Map<string | null, number>();
      for (const m of messages) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
      return counts;
    },
    clear() {
      messages.length = 0;
    },
    close: stop,
  };
}
