import { Checkbox, Group, MultiSelect, Select, SimpleGrid, Stack, Text } from '@mantine/core';
import {
  ACCOUNT_REQUIRABLE_FIELDS,
  CONTACT_REQUIRABLE_FIELDS,
  REQUIRABLE_FIELD_LABELS,
  type RequiredFields,
} from '../../../contracts/required-fields.ts';
import { languageLabel } from '../../api/languages.ts';

// ISO 639-1 codes offered in the picker; a stored code not listed here (fr-CA …) is kept and shown.
const COMMON_LANGUAGES = [
  'ar',
  'bg',
  'ca',
  'cs',
  'da',
  'de',
  'el',
  'en',
  'es',
  'et',
  'fi',
  'fr',
  'ga',
  'he',
  'hi',
  'hr',
  'hu',
  'id',
  'is',
  'it',
  'ja',
  'ko',
  'lt',
  'lv',
  'ms',
  'mt',
  'nl',
  'no',
  'pl',
  'pt',
  'ro',
  'ru',
  'sk',
  'sl',
  'sr',
  'sv',
  'th',
  'tr',
  'uk',
  'vi',
  'zh',
];

/**
 * Settings → Customer data: which built-in fields every new account and contact must have (asterisk in
 * every form, enforced by the API, imports, bulk add and sign-up), and the languages contacts may prefer.
 */
export function CustomerRecordFields({
  requiredFields,
  languages,
  readOnly,
  errors,
  onRequiredFields,
  onLanguages,
}: {
  requiredFields: RequiredFields;
  languages: string[];
  readOnly: boolean;
  errors: Record<string, string | undefined>;
  onRequiredFields: (value: RequiredFields) => void;
  onLanguages: (value: string[]) => void;
}) {
  const offered = [...new Set([...languages, ...COMMON_LANGUAGES])]
    .map((code) => ({ value: code, label: languageLabel(code) }))
    .sort((a, b) => a.label.localeCompare(b.label));
  return (
    <Stack gap="lg">
      <div>
        <Text size="sm" fw={500}>
          Mandatory fields
        </Text>
        <Text size="xs" c="dimmed" mb="xs">
          Marked with a red asterisk in every form. New records without them are refused in the portal, the
          API, imports, bulk add and the storefront sign-up; records saved earlier keep what they have.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          <Checkbox.Group
            label="Accounts"
            value={requiredFields.account}
            onChange={(v) =>
              onRequiredFields({
                ...requiredFields,
                account: ACCOUNT_REQUIRABLE_FIELDS.filter((f) => v.includes(f)),
              })
            }
            error={errors['requiredFields.account']}
          >
            <Stack gap={6} mt={6}>
              {ACCOUNT_REQUIRABLE_FIELDS.map((f) => (
                <Checkbox key={f} value={f} label={REQUIRABLE_FIELD_LABELS[f]} disabled={readOnly} />
              ))}
            </Stack>
          </Checkbox.Group>
          <Checkbox.Group
            label="Contacts"
            description="Email, first and last name are always required"
            value={requiredFields.contact}
            onChange={(v) =>
              onRequiredFields({
                ...requiredFields,
                contact: CONTACT_REQUIRABLE_FIELDS.filter((f) => v.includes(f)),
              })
            }
            error={errors['requiredFields.contact']}
          >
            <Stack gap={6} mt={6}>
              {CONTACT_REQUIRABLE_FIELDS.map((f) => (
                <Checkbox key={f} value={f} label={REQUIRABLE_FIELD_LABELS[f]} disabled={readOnly} />
              ))}
            </Stack>
          </Checkbox.Group>
        </SimpleGrid>
      </div>
      <div>
        <Text size="sm" fw={500}>
          Languages
        </Text>
        <Text size="xs" c="dimmed" mb="xs">
          The languages a contact may prefer, offered in the Add contact dialog, on the contact page and at
          sign-up; emails go out in the contact’s language.
        </Text>
        <Group align="flex-start" gap="md" grow preventGrowOverflow={false}>
          <MultiSelect
            label="Enabled languages"
            data={offered}
            value={languages}
            onChange={(v) => onLanguages(v)}
            searchable
            readOnly={readOnly}
            error={errors.languages}
            maw={480}
            comboboxProps={{ withinPortal: true }}
          />
          <Select
            label="Default for new contacts"
            data={languages.map((code) => ({ value: code, label: languageLabel(code) }))}
            value={languages[0] ?? null}
            onChange={(v) => v && onLanguages([v, ...languages.filter((l) => l !== v)])}
            allowDeselect={false}
            disabled={!languages.length}
            readOnly={readOnly}
            maw={280}
            comboboxProps={{ withinPortal: true }}
          />
        </Group>
      </div>
    </Stack>
  );
}
