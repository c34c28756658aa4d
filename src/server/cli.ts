import { Command, Option } from 'commander';
import { EMPLOYEE_ROLES, EmployeeCreateBody, type EmployeeRole } from '../contracts/employees.ts';
import { loadConfig } from './config.ts';
import { DataDirLockedError } from './db/lock.ts';
import { systemContext } from './http/context.ts';
import { AppError, isDatabaseUnavailable } from './lib/errors.ts';
import { loadDemoData } from './modules/demo/demo.ts';
import { createEmployee } from './modules/employees/employees.service.ts';
import { openRuntime } from './runtime.ts';
import { runImportCommand, type ImportCommandOptions } from './modules/imports/import-command.ts';
import { IMPORT_TYPES } from '../contracts/imports.ts';
import { serve } from './serve.ts';

const program = new Command('clientele').description(
  'Customer onboarding and account management for B2B sellers',
);

program
  .command('serve')
  .description('Serve the portal, storefront pages and API')
  .action(async () => serve(loadConfig()));

program
  .command('migrate')
  .description('Bring the database schema up to date')
  .action(async () => {
    const deps = await openRuntime(loadConfig());
    await deps.close();
    console.log('The database schema is up to date.');
  });

const employee = program.command('employee').description('Manage employees');
employee
  .command('create')
  .description('Create a portal employee')
  .requiredOption('--email <email>', 'the employee’s email (their username)')
  .addOption(
    new Option('--role <role...>', 'one or more employee roles')
      .choices([...EMPLOYEE_ROLES])
      .makeOptionMandatory(),
  )
  .option('--name <name>', 'display name')
  .option('--password <password>', 'initial password (at least 10 characters); or set CLIENTELE_PASSWORD')
  .action(async (opts: { email: string; role: EmployeeRole[]; name?: string; password?: string }) => {
    // The same rules as the API: a valid email, a password of 10 or more characters.
    const body = EmployeeCreateBody.safeParse({
      email: opts.email,
      name: opts.name ?? null,
      password: opts.password ?? process.env.CLIENTELE_PASSWORD,
      roles: opts.role,
    });
    if (!body.success) {
      throw new AppError(
        'invalid_input',
        'The employee was not created',
        body.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      );
    }
    const deps = await openRuntime(loadConfig());
    try {
      const created = await createEmployee(
        deps.database.db,
        systemContext(deps.scopeId, 'cli', 'command line'),
        body.data,
      );
      console.log(`Created employee ${created.email} (${created.roles.join(', ')}).`);
    } finally {
      await deps.close();
    }
  });

program
  .command('import')
  .description(
    'Import a CSV or XLSX file of accounts, contacts, individuals, invoices or a commercial list, with a progress bar',
  )
  .argument('[file]', 'the CSV or XLSX file')
  .addOption(new Option('--type <type>', 'what the file holds').choices([...IMPORT_TYPES]))
  .option('--resume <id>', 'resume an import that stopped (a crash, a restart) where it was')
  .option(
    '--source <name>',
    'the source name its column mapping is remembered under (default: the file name)',
  )
  .option(
    '--mapping <json>',
    'field → {"column": header} or {"value": text}, as JSON; default: remembered or suggested',
  )
  .option('--options <json>', 'import options as JSON, e.g. {"logins":"none","customerGroups":["vip"]}')
  .option('--dry-run', 'report what would be created, updated, unchanged and rejected, and change nothing')
  .option('--report <file>', 'write the rejected rows (CSV) to this file')
  .action(async (file: string | undefined, opts: ImportCommandOptions) => runImportCommand(file, opts));

program
  .command('demo')
  .description('Load realistic sample companies, contacts, roles and employees')
  .action(async () => {
    const deps = await openRuntime(loadConfig());
    try {
      const summary = await loadDemoData(deps);
      console.log(summary);
    } finally {
      await deps.close();
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (
    err instanceof AppError ||
    err instanceof DataDirLockedError ||
    (err instanceof Error && err.message.startsWith('Invalid configuration'))
  ) {
    const details =
      err instanceof AppError && Array.isArray(err.details)
        ? err.details.map((d: { path: string; message: string }) => `\n  ${d.path}: ${d.message}`).join('')
        : '';
    console.error(`clientele: ${err.message}${details}`);
    process.exit(1);
  }
  if (isDatabaseUnavailable(err)) {
    const { message, code } = err as { message?: string; code?: string };
    console.error(`clientele: the database is not reachable (${message || code})`);
    process.exit(1);
  }
  throw err;
}
