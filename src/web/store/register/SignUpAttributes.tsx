import { useState } from 'react';
import {
  attributeErrorsOf,
  missingMandatory,
  sortDefinitions,
  valuesForCreate,
  type AttributeDefinition,
  type AttributeValue,
  type AttributeValues,
} from '../../api/attribute-values.ts';
import { AttributeFields } from '../../components/AttributeFields.tsx';

/**
 * The custom attributes a visitor fills in at sign-up (those the seller shows at sign-up, listed by
 * `GET /api/store/registration`): fields, mandatory check, the body's `attributes`, server messages.
 */
export function useSignUpAttributes(info: unknown) {
  const definitions = sortDefinitions(
    (info as { attributes?: AttributeDefinition[] } | undefined)?.attributes ?? [],
  );
  const [values, setValues] = useState<AttributeValues>({});
  const [errors, setErrors] = useState<Record<string, string>>({});

  const onChange = (key: string, value: AttributeValue) => {
    setValues((v) => ({ ...v, [key]: value }));
    setErrors((e) => {
      const { [key]: _, ...rest } = e;
      return rest;
    });
  };
  return {
    fields: <AttributeFields definitions={definitions} values={values} onChange={onChange} errors={errors} />,
    /** False (and the fields marked) when a mandatory attribute has no value; clears the server's messages. */
    check: () => {
      const problems = missingMandatory(definitions, values);
      setErrors(problems);
      return Object.keys(problems).length === 0;
    },
    // The sign-up body carries the values by entity: {account: {…}, contact: {…}}.
    body:
      definitions.length > 0
        ? {
            attributes: {
              account: valuesForCreate(
                definitions.filter((d) => d.entity === 'account'),
                values,
              ),
              contact: valuesForCreate(
                definitions.filter((d) => d.entity === 'contact'),
                values,
              ),
            },
          }
        : {},
    /** Puts the server's `attributes.<entity>.<key>` messages on their fields. */
    showServerErrors: (e: unknown) =>
      setErrors(
        Object.fromEntries(
          Object.entries(attributeErrorsOf(e)).map(([k, m]) => [k.replace(/^(account|contact)\./, ''), m]),
        ),
      ),
    hasErrors: Object.keys(errors).length > 0,
  };
}
