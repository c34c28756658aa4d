import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { TestProject } from 'vitest/node';
import { freePort } from './server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    adminEmail: string;
    adminPassword: string;
    /** The server's IMPORT_DROP_DIR: scheduled imports read the files dropped in its sub-folders. */
    importDropDir: string;
    /** A second server, the same but delivering over SMTP (see `useMailServer`). */
    mailBaseUrl: string;
    /** Where the SMTP server behind `mailBaseUrl` writes each message it receives, as JSON. */
    mailDir: string;
  }
}

/** How long the product may take to start: more on a busy machine (`E2E_SERVER_START_MS`, as in server.ts). */
const startTimeoutMs = Number(process.env.E2E_SERVER_START_MS ?? 60_000);
const ADMIN_EMAIL = 'admin@e2e.example';
const ADMIN_PASSWORD = 'e2e-admin-password';

/**
 * A real SMTP server that writes every message it receives to `dir` as `{to, subject, text, html}`:
 * the emailed links hold working tokens only on the wire, so tests read them where a recipient would.
 */
async function startMailbox(dir: string): Promise<SMTPServer> {
  let count = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const message = {
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
          };
          fs.writeFileSync(path.join(dir, `${Date.now()}-${++count}.json`), JSON.stringify(message));
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => smtp.listen(port, '127.0.0.1', resolve));
  return smtp;
}

/** Starts `node bin/clientele.js serve` on a fresh embedded database and waits until it answers. */
async function startProduct(env: Record<string, string>): Promise<{ child: ChildProcess; baseUrl: string }> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['bin/clientele.js', 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: baseUrl,
      ADMIN_EMAIL,
      ADMIN_PASSWORD,
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${baseUrl}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not become ready within ${startTimeoutMs / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, baseUrl };
}

/**
 * Runs the real product, as `npm start` does, on a fresh embedded database (emails kept in the log),
 * and a second one that delivers its emails over SMTP to a mailbox folder.
 */
export default async function setup(project: TestProject) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-e2e-'));
  const mailDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-e2e-mail-'));
  const dropDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-e2e-drop-'));
  const mailDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-e2e-mailbox-'));
  const smtp = await startMailbox(mailDir);
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const [main, mail] = await Promise.all([
    // Webhook receivers in the tests listen on 127.0.0.1.
    startProduct({ DATA_DIR: dataDir, IMPORT_DROP_DIR: dropDir, WEBHOOK_ALLOW_PRIVATE: 'true' }),
    startProduct({ DATA_DIR: mailDataDir, SMTP_URL: `smtp://127.0.0.1:${smtpPort}` }),
  ]);
  project.provide('baseUrl', main.baseUrl);
  project.provide('adminEmail', ADMIN_EMAIL);
  project.provide('adminPassword', ADMIN_PASSWORD);
  project.provide('importDropDir', dropDir);
  project.provide('mailBaseUrl', mail.baseUrl);
  project.provide('mailDir', mailDir);
  return async () => {
    for (const { child } of [main, mail]) child.kill('SIGTERM');
    await Promise.all([main, mail].map(({ child }) => new Promise((r) => child.once('exit', r))));
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    for (const dir of [dataDir, mailDataDir, dropDir, mailDir])
      fs.rmSync(dir, { recursive: true, force: true });
  };
}
