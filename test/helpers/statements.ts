import { AsyncLocalStorage } from 'node:async_hooks';

/** What one piece of work ran on the database, in order. */
export type StatementLog = {
  /** Every statement's SQL, BEGIN/COMMIT/ROLLBACK included. */
  all: string[];
  /** The statements that do work: all but BEGIN, COMMIT, ROLLBACK and SAVEPOINTs. */
  queries: string[];
  /** Transactions committed. */
  commits: number;
};

const current = new AsyncLocalStorage<string[]>();
/** The log of the `countStatements` call in progress: requests that arrive meanwhile write to it. */
let armed: string[] | null = null;

/**
 * The listener `freshDatabase` gives every test database. A statement counts for the work whose async
 * context issued it, so the job runner's polls and timers running beside a request are not counted.
 */
export function recordStatement(sql: string): void {
  current.getStore()?.push(sql);
}

/**
 * An `onRequest` hook (createTestApp adds it): `app.inject` does not carry the caller's async context into
 * the request, so a request that arrives while `countStatements` runs enters the counting context here.
 */
export function countRequestStatements(_request: unknown, _reply: unknown, done: () => void): void {
  if (armed) current.run(armed, done);
  else done();
}

const control = /^\s*(begin|commit|rollback|savepoint|release savepoint|rollback to savepoint)\b/i;

/** Runs `work` (e.g. one `app.inject`) and returns its result with the statements it ran. */
export async function countStatements<T>(work: () => Promise<T>): Promise<{ result: T } & StatementLog> {
  if (armed) throw new Error('countStatements calls do not nest');
  const all: string[] = [];
  armed = all;
  let result: T;
  try {
    result = await current.run(all, work);
  } finally {
    armed = null;
  }
  // A copy: anything the work left running in the background must not change what the caller reads.
  const ran = [...all];
  return {
    result,
    all: ran,
    queries: ran.filter((s) => !control.test(s)),
    commits: ran.filter((s) => /^\s*commit\b/i.test(s)).length,
  };
}
