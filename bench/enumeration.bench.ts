import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { buildApp } from '../src/server/app.ts';
import { DEFAULT_REGISTRATION } from '../src/contracts/registration.ts';
import { loadConfig } from '../src/server/config.ts';
import { systemContext } from '../src/server/http/context.ts';
import { hashPassword } from '../src/server/lib/secrets.ts';
import { startAccountRequestWorker } from '../src/server/modules/auth/account-requests.job.ts';
import { createEmployee } from '../src/server/modules/employees/employees.service.ts';
import { writeSetting } from '../src/server/modules/settings/settings.repository.ts';
import { openRuntime } from '../src/server/runtime.ts';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 100);
const WARMUP = 20;
const PORT = Number(process.env.BENCH_PORT ?? 4451);

/** Mann-Whitney U as a z score (normal approximation with the tie correction): |z| ≥ 3 is a visible difference. */
export function mannWhitneyZ(a: number[], b: number[]): number {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(all.length);
  let ties = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    for (let k = i; k <= j; k++) ranks[k] = (i + j) / 2 + 1;
    const t = j - i + 1;
    ties += t ** 3 - t;
    i = j + 1;
  }
  const n1 = a.length;
  const n2 = b.length;
  const r1 = all.reduce((sum, x, i) => (x.g === 0 ? sum + ranks[i]! : sum), 0);
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1))));
  return (u - (n1 * n2) / 2) / sigma;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * Known vs unknown emails on the endpoints that must not tell them apart: per endpoint SAMPLES + SAMPLES
 * requests over HTTP to a local app, interleaved in random order, each from its own client address
 * (TRUST_PROXY=1) so request limits stay out of it. Prints medians and the Mann-Whitney z.
 * `--no-worker` leaves the job that looks the email up unworked (the request path alone).
 */
export async function run(args: string[]): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'clientele-bench-enum-'));
  // On PostgreSQL, a database of its own, dropped at the end.
  const baseUrl = process.env.DATABASE_URL;
  const dbName = `clientele_bench_enum_${process.pid}`;
  const adminQuery = async (text: string) => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    await client.query(text).finally(() => client.end());
  };
  let databaseUrl: string | undefined;
  if (baseUrl) {
    await adminQuery(`CREATE DATABASE ${dbName}`);
    const url = new URL(baseUrl);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
  }
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: String(PORT),
    PUBLIC_URL: `http://127.0.0.1:${PORT}`,
    TRUST_PROXY: '1',
    LOG_LEVEL: 'silent',
    ...(databaseUrl && { DATABASE_URL: databaseUrl }),
  });
  const deps = await openRuntime(config);
  const app = await buildApp(deps);
  await app.listen({ port: PORT, host: '127.0.0.1' });
  if (!args.includes('--no-worker')) await startAccountRequestWorker(deps);
  const db = deps.database.db;
  const system = systemContext(deps.scopeId, 'system', 'bench');
  try {
    const run = Date.now().toString(36);
    const employee = `bench-employee-${run}@example.com`;
    await createEmployee(db, system, {
      email: employee,
      password: 'bench-password-1',
      roles: ['companyView'],
    });
    const { id: accountId } = await db
      .insertInto('accounts')
      .values({
        scope_id: deps.scopeId,
        kind: 'business',
        name: 'Bench Co',
        code: null,
        number: `B-${run}`,
        status: 'active',
        payment_terms: null,
        price_group: null,
        sales_rep_code: null,
        erp_synced_at: null,
        custom: '{}',
        self_registered: false,
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const contact = async (email: string, login: boolean) => {
      const { id } = await db
        .insertInto('contacts')
        .values({
          scope_id: deps.scopeId,
          email,
          first_name: 'Bench',
          last_name: 'Contact',
          status: 'active',
          password_hash: login ? await hashPassword('bench-password-1') : null,
          activated_at: login ? new Date() : null,
          phone: null,
          work_phone: null,
          login_valid_from: null,
          login_valid_until: null,
          last_sign_in_at: null,
          custom: '{}',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('contact_accounts')
        .values({ contact_id: id, account_id: accountId, is_primary: true })
        .execute();
    };
    const withLogin = `bench-login-${run}@example.com`;
    const withoutLogin = `bench-new-${run}@example.com`;
    await contact(withLogin, true);
    await contact(withoutLogin, false);
    await writeSetting(db, deps.scopeId, 'registration', {
      ...DEFAULT_REGISTRATION,
      newAccount: { ...DEFAULT_REGISTRATION.newAccount, enabled: true, access: 'approval' },
    });

    let ip = 0;
    let fresh = 0;
    const unknown = () => `nobody-${run}-${++fresh}@example.com`;
    const signUp = (email: string) => ({
      kind: 'business',
      companyName: `Bench Tools ${++fresh}`,
      firstName: 'Ana',
      lastName: 'Silva',
      email,
      billingAddress: { line1: '1 Way', city: 'Portland', postalCode: '97201', country: 'US' },
      password: 'a long storefront password',
    });
    const endpoints: { name: string; url: string; known: () => object; unknown: () => object }[] = [
      {
        name: 'store password reset',
        url: '/api/store/password-reset',
        known: () => ({ email: withLogin }),
        unknown: () => ({ email: unknown() }),
      },
      {
        name: 'activation resend',
        url: '/api/store/activation/resend',
        known: () => ({ email: withoutLogin }),
        unknown: () => ({ email: unknown() }),
      },
      {
        name: 'employee forgot-password',
        url: '/api/session/password-reset',
        known: () => ({ email: employee }),
        unknown: () => ({ email: unknown() }),
      },
      {
        name: 'store sign-up (approval)',
        url: '/api/store/register',
        known: () => signUp(withLogin),
        unknown: () => signUp(unknown()),
      },
    ];

    const time = async (url: string, body: object) => {
      const started = performance.now();
      const res = await fetch(`http://127.0.0.1:${PORT}${url}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-forwarded-for': `10.${(++ip >> 16) & 255}.${(ip >> 8) & 255}.${ip & 255}`,
        },
        body: JSON.stringify(body),
      });
      await res.arrayBuffer();
      const ms = performance.now() - started;
      if (res.status >= 300) throw new Error(`${url}: ${res.status}`);
      return ms;
    };

    console.log(
      `Known vs unknown email, ${SAMPLES}+${SAMPLES} interleaved requests per endpoint over HTTP ` +
        `(${deps.database.kind}, ${os.cpus().length} cores, job worker ${args.includes('--no-worker') ? 'off' : 'on'}):`,
    );
    console.log('endpoint                     median known  median unknown  Mann-Whitney z');
    for (const e of endpoints) {
      for (let i = 0; i < WARMUP; i++) {
        await time(e.url, e.known());
        await time(e.url, e.unknown());
      }
      const known: number[] = [];
      const other: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        // Random order within each pair, so whatever one request leaves behind is not always met by the same kind.
        if (Math.random() < 0.5) {
          known.push(await time(e.url, e.known()));
          other.push(await time(e.url, e.unknown()));
        } else {
          other.push(await time(e.url, e.unknown()));
          known.push(await time(e.url, e.known()));
        }
      }
      const z = mannWhitneyZ(known, other);
      console.log(
        `${e.name.padEnd(28)} ${median(known).toFixed(2).padStart(9)} ms ${median(other).toFixed(2).padStart(12)} ms ${z.toFixed(2).padStart(12)}${Math.abs(z) < 3 ? '' : '  (|z| ≥ 3)'}`,
      );
    }
  } finally {
    await app.close();
    await deps.close();
    await rm(dataDir, { recursive: true, force: true });
    if (baseUrl) await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
}
