import { useRef, useState, type ChangeEvent } from 'react';
import {
  Button,
  Center,
  Group,
  Loader,
  Paper,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useNavigate } from '../store-nav.tsx';
import { errorMessage, isApiError } from '../../api/client.ts';
import { useStoreRegister, useStoreRegistration, type StoreRegisterInput } from '../../api/store.ts';
import { AnchorLink } from '../store-nav.tsx';
import { ErrorAlert } from '../../components/ui.tsx';
import { focusFirstInvalid, looksLikeEmail, serverFieldErrors } from '../form-errors.ts';
import { FormProblems, NewLoginFields, passwordProblems } from '../NewLoginFields.tsx';
import { FlowUnavailable, RequestReceived } from '../SignUpOutcome.tsx';
import { useSignUpAttributes } from './SignUpAttributes.tsx';
import { requiredMessage, type ContactRequirableField } from '../../../contracts/required-fields.ts';
import { languageLabel } from '../../api/languages.ts';

/** The browser's language when the seller enables it (or its base: fr-CA → fr), else the default. */
function visitorLanguage(enabled: readonly string[]): string {
  const browser = typeof navigator === 'undefined' ? undefined : navigator.language;
  if (browser && enabled.includes(browser)) return browser;
  const base = browser?.split('-')[0];
  return base && enabled.includes(base) ? base : (enabled[0] ?? 'en');
}

const EMPTY = {
  kind: 'business' as 'business' | 'personal',
  companyName: '',
  firstName: '',
  lastName: '',
  email: '',
  phone: '',
  workPhone: '',
  language: '',
  line1: '',
  line2: '',
  city: '',
  postalCode: '',
  region: '',
  country: '',
  password: '',
  confirm: '',
  website: '',
};
type Values = typeof EMPTY;
type Field = keyof Values;

/** Server paths (`billingAddress.city`) to the form's fields. */
const FIELD_OF_PATH: Record<string, Field> = {
  'billingAddress.line1': 'line1',
  'billingAddress.line2': 'line2',
  'billingAddress.city': 'city',
  'billingAddress.postalCode': 'postalCode',
  'billingAddress.region': 'region',
  'billingAddress.country': 'country',
};

function checkLocally(
  v: Values,
  businessOnly: boolean,
  mandatory: readonly ContactRequirableField[],
): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  const required: [Field, string][] = [
    ['firstName', 'Enter your first name'],
    ['lastName', 'Enter your last name'],
    ['line1', 'Enter the street address'],
    ['city', 'Enter the city'],
    ['postalCode', 'Enter the ZIP or postal code'],
    ['country', 'Enter the country'],
  ];
  if (v.kind === 'business' || businessOnly) required.unshift(['companyName', 'Enter your company name']);
  // Mandatory contact fields (Settings → Customer data), in the words the server uses.
  for (const field of mandatory) required.push([field, requiredMessage(field)]);
  for (const [field, message] of required) if (!v[field].trim()) errors[field] = message;
  if (!looksLikeEmail(v.email)) errors.email = 'Enter a valid email address';
  return { ...errors, ...passwordProblems(v.password, v.confirm) };
}

/** `/store/register`: a visitor opens an account (seed 004, "Create an account"). */
export function RegisterPage() {
  const info = useStoreRegistration();
  const register = useStoreRegister();
  const navigate = useNavigate();
  const formRef = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<Values>(EMPTY);
  const [localErrors, setLocalErrors] = useState<Partial<Record<Field, string>>>({});
  // Server errors describe the values that were sent; a field's goes once it is edited.
  const [serverErrors, setServerErrors] = useState<Partial<Record<Field, string>>>({});
  const signUpAttrs = useSignUpAttributes(info.data);

  if (info.isPending) {
    return (
      <Center>
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (info.isError) return <ErrorAlert error={info.error} />;
  if (!info.data.newAccount.enabled) {
    return (
      <FlowUnavailable title="Creating an account online is not available">
        This store does not open accounts online. Contact us and we will set one up for you; if you already
        have an account, sign in.
      </FlowUnavailable>
    );
  }
  if (register.data?.outcome === 'pending') {
    return <RequestReceived message={register.data.message} email={values.email.trim()} />;
  }

  const personalAllowed = info.data.allowPersonalAccounts;
  const mandatory = info.data.requiredFields;
  const { languages } = info.data;
  const language = values.language || visitorLanguage(languages);
  const kind = personalAllowed ? values.kind : 'business';
  const errors = { ...serverErrors, ...localErrors };
  const set = (field: Field) => (value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    setLocalErrors((e) => ({ ...e, [field]: undefined }));
    setServerErrors((e) => ({ ...e, [field]: undefined }));
  };
  const input = (field: Field) => ({
    value: values[field],
    onChange: (e: ChangeEvent<HTMLInputElement>) => set(field)(e.currentTarget.value),
    error: errors[field],
  });

  const submit = () => {
    const problems = checkLocally({ ...values, kind }, !personalAllowed, mandatory);
    setLocalErrors(problems);
    setServerErrors({});
    const attrsOk = signUpAttrs.check();
    if (Object.values(problems).some(Boolean) || !attrsOk) {
      focusFirstInvalid(formRef.current);
      return;
    }
    const body: StoreRegisterInput = {
      kind,
      companyName: kind === 'business' ? values.companyName.trim() : null,
      firstName: values.firstName.trim(),
      lastName: values.lastName.trim(),
      email: values.email.trim(),
      phone: values.phone.trim() || null,
      workPhone: values.workPhone.trim() || null,
      language,
      billingAddress: {
        line1: values.line1.trim(),
        line2: values.line2.trim() || null,
        city: values.city.trim(),
        postalCode: values.postalCode.trim(),
        region: values.region.trim() || null,
        country: values.country.trim(),
      },
      password: values.password,
      website: values.website,
      ...signUpAttrs.body,
    };
    register.mutate(body, {
      onSuccess: (result) => {
        if (result.outcome === 'active') void navigate({ to: '/store/account' });
      },
      onError: (e) => {
        const byPath = serverFieldErrors(e);
        const mapped: Partial<Record<Field, string>> = {};
        for (const [path, message] of Object.entries(byPath)) {
          const field = FIELD_OF_PATH[path] ?? (path in EMPTY ? (path as Field) : undefined);
          if (field) mapped[field] = message;
        }
        setServerErrors(mapped);
        signUpAttrs.showServerErrors(e);
        focusFirstInvalid(formRef.current);
      },
    });
  };

  const hasFieldErrors = Object.values(errors).some(Boolean) || signUpAttrs.hasErrors;
  const otherError =
    register.isError && !Object.keys(serverFieldErrors(register.error)).length
      ? isApiError(register.error) && register.error.status === 429
        ? register.error.message
        : errorMessage(register.error)
      : null;

  return (
    <Paper withBorder p="xl" radius="md" pos="relative">
      <form
        ref={formRef}
        noValidate
        aria-labelledby="register-title"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack>
          <Stack gap={4}>
            <Title order={2} id="register-title">
              Create an account
            </Title>
            <Text size="sm" c="dimmed">
              Already have an account? <AnchorLink to="/store/sign-in">Sign in</AnchorLink>
            </Text>
          </Stack>

          {personalAllowed ? (
            <Radio.Group
              label="This account is for"
              value={kind}
              onChange={(v) => set('kind')(v)}
              error={errors.kind}
            >
              <Group mt={6}>
                <Radio value="business" label="A business" />
                <Radio value="personal" label="Myself (personal use)" />
              </Group>
            </Radio.Group>
          ) : null}
          {kind === 'business' ? (
            <TextInput label="Company name" autoComplete="organization" required {...input('companyName')} />
          ) : null}

          <SimpleGrid cols={{ base: 1, xs: 2 }}>
            <TextInput label="First name" autoComplete="given-name" required {...input('firstName')} />
            <TextInput label="Last name" autoComplete="family-name" required {...input('lastName')} />
          </SimpleGrid>
          <TextInput
            label="Email"
            type="email"
            autoComplete="email"
            required
            description="You will sign in with this email."
            {...input('email')}
          />
          <SimpleGrid cols={{ base: 1, xs: mandatory.includes('workPhone') ? 2 : 1 }}>
            <TextInput
              label="Phone"
              type="tel"
              autoComplete="tel"
              required={mandatory.includes('phone')}
              {...input('phone')}
            />
            {mandatory.includes('workPhone') ? (
              <TextInput label="Work phone" type="tel" autoComplete="tel" required {...input('workPhone')} />
            ) : null}
          </SimpleGrid>
          {languages.length > 1 ? (
            <Select
              label="Preferred language"
              description="The language of the emails we send you"
              data={languages.map((l) => ({ value: l, label: languageLabel(l) }))}
              value={language}
              onChange={(v) => v && set('language')(v)}
              allowDeselect={false}
              error={errors.language}
              comboboxProps={{ withinPortal: true }}
            />
          ) : null}

          {/* A plain fieldset: the legend names the group for screen readers, without a frame. */}
          <fieldset style={{ border: 0, margin: 0, padding: 0, minWidth: 0 }}>
            <Text component="legend" fw={700} p={0} mb="xs">
              Billing address
            </Text>
            <Stack gap="sm">
              <TextInput label="Address line 1" autoComplete="address-line1" required {...input('line1')} />
              <TextInput label="Address line 2" autoComplete="address-line2" {...input('line2')} />
              <SimpleGrid cols={{ base: 1, xs: 2 }}>
                <TextInput label="City" autoComplete="address-level2" required {...input('city')} />
                <TextInput
                  label="ZIP / postal code"
                  autoComplete="postal-code"
                  required
                  {...input('postalCode')}
                />
              </SimpleGrid>
              <SimpleGrid cols={{ base: 1, xs: 2 }}>
                <TextInput label="State / region" autoComplete="address-level1" {...input('region')} />
                <TextInput label="Country" autoComplete="country-name" required {...input('country')} />
              </SimpleGrid>
            </Stack>
          </fieldset>

          {signUpAttrs.fields}
          <NewLoginFields
            password={input('password')}
            confirm={input('confirm')}
            website={values.website}
            onWebsiteChange={set('website')}
          />
          <FormProblems fieldsMarked={hasFieldErrors} other={otherError} />
          <Button type="submit" loading={register.isPending}>
            Create account
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}
