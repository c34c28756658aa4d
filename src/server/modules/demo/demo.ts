import type { EmployeeRole } from '../../../contracts/employees.ts';
import type { AppDeps } from '../../deps.ts';
import { systemContext } from '../../http/context.ts';
import { createAccount, setAccountAssignees } from '../accounts/accounts.service.ts';
import { createContact, contactsDepsOf } from '../contacts/contacts.service.ts';
import { createEmployee } from '../employees/employees.service.ts';
import { createGroupRole, createRole } from '../roles/roles.service.ts';

const COMPANIES: Array<[code: string, name: string, city: string]> = [
  ['ACME', 'Acme Industrial Supply', 'Chicago'],
  ['BRGH', 'Brighton Hardware Co.', 'Brighton'],
  ['CAFM', 'Café Müller GmbH', 'München'],
  ['DLTA', 'Delta Plumbing & Heating', 'Denver'],
  ['ELEC', 'Électricité Dupont SARL', 'Lyon'],
  ['FRSH', 'Fresh Foods Wholesale', 'Portland'],
  ['GRNL', 'Greenleaf Landscaping', 'Austin'],
  ['HRBR', 'Harbor Marine Services', 'Seattle'],
  ['IRON', 'Ironworks Fabrication Ltd', 'Sheffield'],
  ['JUNO', 'Juno Office Interiors', 'Toronto'],
  ['KSTL', 'Keystone Builders Inc.', 'Pittsburgh'],
  ['LUMN', 'Lumen Lighting Solutions', 'Phoenix'],
  ['MTRO', 'Metro Janitorial Supply', 'Atlanta'],
  ['NRTH', 'Northwind Traders', 'Minneapolis'],
  ['OKDL', 'Oakdale School District', 'Oakdale'],
  ['PNCL', 'Pinnacle Medical Clinics', 'San Diego'],
  ['QRRY', 'Quarry Stone & Tile', 'Salt Lake City'],
  ['RVRS', 'Riverside Auto Parts', 'Sacramento'],
  ['SLTR', 'Søltoft Rørservice ApS', 'Aarhus'],
  ['TMBR', 'Timberline Lumber Yard', 'Boise'],
  ['UNTD', 'United Restaurant Group', 'Dallas'],
  ['VRTX', 'Vertex Data Centers', 'Ashburn'],
  ['WSTB', 'Westbrook Hotels', 'Charleston'],
  ['XPRS', 'Express Courier Fleet', 'Memphis'],
  ['YLWS', 'Yellowstone Outfitters', 'Bozeman'],
  ['ZNTH', 'Zenith Electrical Contractors', 'Detroit'],
  ['ANDS', 'Andès Peinture Industrielle', 'Montréal'],
  ['BLDR', 'Boulder Climbing Gyms', 'Boulder'],
  ['CSTL', 'Coastal Refrigeration', 'Miami'],
  ['DNMK', 'Dänemark Küchenbau KG', 'Hamburg'],
];

const FIRST = [
  'Maria',
  'James',
  'Aiko',
  'Liam',
  'Sofía',
  'Noah',
  'Chloé',
  'Mateo',
  'Priya',
  'Oliver',
  'Zoë',
  'Ethan',
  'Léa',
  'Lucas',
  'Ingrid',
  'Omar',
  'Hannah',
  'Jürgen',
  'Fatima',
  'Daniel',
];
const LAST = [
  'García',
  'Smith',
  'Tanaka',
  'Murphy',
  'Müller',
  'Johnson',
  'Dubois',
  'Rossi',
  'Patel',
  'Brown',
  'Nguyen',
  'Kowalski',
  'Larsen',
  'Okafor',
  'Silva',
  'Martin',
  'Cohen',
  'Andersson',
  'Haddad',
  'Wilson',
];

const ROLES: Array<[key: string, name: string, description: string]> = [
  ['buyer', 'Buyer', 'Places orders and requests quotes'],
  ['approver', 'Approver', 'Approves orders above the buyer’s limit'],
  ['account-admin', 'Account admin', 'Manages the company’s users and addresses'],
  ['invoice-viewer', 'Invoice viewer', 'Sees invoices and statements'],
];

const GROUP_ROLES: Array<[key: string, name: string, roles: string[]]> = [
  ['purchasing', 'Purchasing', ['buyer', 'approver']],
  ['finance', 'Finance', ['invoice-viewer']],
  ['company-admin', 'Company administrator', ['account-admin', 'buyer', 'approver', 'invoice-viewer']],
];

export const DEMO_PASSWORD = 'demo-password-1';

const slug = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');

/** Loads a small, living dataset through the same services the API uses, so it is audited like real work. */
export async function loadDemoData(deps: AppDeps): Promise<string> {
  const { db } = deps.database;
  const exists = await db.selectFrom('accounts').select('id').where('code', '=', 'ACME').executeTakeFirst();
  if (exists) return 'The demo data is already loaded.';
  const ctx = systemContext(deps.scopeId, 'cli', 'demo data');
  const contactsDeps = contactsDepsOf(deps);

  for (const [key, name, description] of ROLES) await createRole(db, ctx, { key, name, description });
  for (const [key, name, roles] of GROUP_ROLES) await createGroupRole(db, ctx, { key, name, roles });

  const accountIds: string[] = [];
  let n = 0;
  for (const [i, [code, name]] of COMPANIES.entries()) {
    const account = await createAccount(db, ctx, {
      kind: 'business',
      name,
      code,
      status: i % 11 === 10 ? 'disabled' : 'active',
    });
    accountIds.push(account.id);
    const domain = `${slug(name).slice(0, 14)}.example`;
    for (let c = 0; c < 3 + (i % 4); c++, n++) {
      const firstName = FIRST[(n * 7) % FIRST.length]!;
      const lastName = LAST[(n * 3 + i) % LAST.length]!;
      await createContact(contactsDeps, ctx, {
        accountId: account.id,
        email: `${slug(firstName)}.${slug(lastName)}${c ? c : ''}@${domain}`,
        firstName,
        lastName,
        phone: `+1 555 01${String(n).padStart(2, '0')}`,
        groupRoles: [GROUP_ROLES[(n + c) % GROUP_ROLES.length]![0]],
        roles: c === 0 ? ['account-admin'] : [],
        sendEmail: c === 0 ? 'accountactivation' : null,
      });
    }
  }
  for (const [j, person] of ['Ava Thompson', 'Ben Carter', 'Nina Jensen'].entries()) {
    const account = await createAccount(db, ctx, { kind: 'personal', name: person });
    const [firstName, lastName] = person.split(' ') as [string, string];
    await createContact(contactsDeps, ctx, {
      accountId: account.id,
      email: `${slug(firstName)}.${slug(lastName)}@mail.example`,
      firstName,
      lastName,
      roles: ['buyer'],
      sendEmail: j === 0 ? 'accountactivation' : null,
    });
    n++;
  }

  const employees: Array<[email: string, name: string, roles: EmployeeRole[]]> = [
    ['ops@demo.example', 'Olivia Ops', ['companyEdit', 'customerEdit']],
    ['viewer@demo.example', 'Victor Viewer', ['companyView', 'customerView']],
    ['rep@demo.example', 'Rita Rep', ['crmCompanyView', 'crmCompanyEdit']],
  ];
  for (const [email, name, roles] of employees) {
    const existing = await db
      .selectFrom('employees')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirst();
    if (existing) continue;
    const created = await createEmployee(db, ctx, { email, name, roles, password: DEMO_PASSWORD });
    if (roles.includes('crmCompanyEdit'))
      for (const accountId of accountIds.slice(0, 6)) {
        const account = await db
          .selectFrom('employee_accounts')
          .select('employee_id')
          .where('account_id', '=', accountId)
          .execute();
        await setAccountAssignees(db, ctx, accountId, [...account.map((a) => a.employee_id), created.id]);
      }
  }
  return [
    `Loaded ${COMPANIES.length + 3} accounts, ${n} contacts, ${ROLES.length} roles and ${GROUP_ROLES.length} group roles.`,
    `Employees (password ${DEMO_PASSWORD}): ${employees.map(([email, , roles]) => `${email} (${roles.join(', ')})`).join('; ')}.`,
  ].join('\n');
}
