import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import {
  describeFailure,
  loadOperations,
  prepareTarget,
  runFuzz,
  SKIPPED,
  type FuzzTarget,
} from './fuzz-core.ts';

// Reproduce a run with FUZZ_SEED=<the printed seed>; FUZZ_REQUESTS makes it longer.
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2000);

describe('API fuzzer (short profile)', () => {
  let t: TestApp;
  let target: FuzzTarget;

  beforeAll(async () => {
    t = await createTestApp();
    target = await prepareTarget(t.app, t.deps);
  });
  afterAll(() => t.close());

  it('finds every operation of the OpenAPI document, and skips only those that end its own session', async () => {
    const operations = await loadOperations(t.app);
    expect(operations.length).toBeGreaterThan(80);
    const names = operations.map((op) => `${op.method} ${op.path}`);
    expect(names).toEqual(
      expect.arrayContaining(['POST /api/imports', 'PATCH /api/roles/{key}', ...Object.keys(SKIPPED)]),
    );
  });

  it(
    `answers ${REQUESTS} generated requests without a 5xx, a stack trace, SQL text or a module path`,
    { timeout: 300_000 },
    async () => {
      console.log(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} to replay)`);
      const result = await runFuzz(target, await loadOperations(t.app), { seed: SEED, requests: REQUESTS });
      console.log(
        `fuzz seed ${SEED}: ${result.sent} sent, ${result.skipped} skipped, by status ${JSON.stringify(result.byStatus)}`,
      );
      for (const failure of result.failures.slice(0, 20)) console.log(describeFailure(failure));
      expect(
        result.failures.map((f) => `${f.problem}: ${f.request.operation}`),
        `seed ${SEED}`,
      ).toEqual([]);
      // The run reached real rows and got past validation, not only 400s.
      expect(result.byStatus[200] ?? 0).toBeGreaterThan(50);
      expect(result.byStatus[413] ?? 0).toBeGreaterThan(0);
    },
  );
});
