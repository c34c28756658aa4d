// Runs one named benchmark: `npm run bench -- search`
// (search | outbox | webhooks | import | erp-batch | enumeration | footprint | api).
export {};
const benches: Record<string, () => Promise<{ run: (args: string[]) => Promise<void> }>> = {
  search: () => import('./search.bench.ts'),
  outbox: () => import('./outbox.bench.ts'),
  webhooks: () => import('./webhooks.bench.ts'),
  import: () => import('./import.bench.ts'),
  responsiveness: () => import('./responsiveness.bench.ts'),
  enumeration: () => import('./enumeration.bench.ts'),
  footprint: () => import('./footprint.bench.ts'),
  'erp-batch': () => import('./erp-batch.bench.ts'),
  api: () => import('./api.bench.ts'),
};

const [name, ...args] = process.argv.slice(2);
const load = name ? benches[name] : undefined;
if (!load) {
  console.error(`Usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]`);
  process.exit(2);
}
await (await load()).run(args);
