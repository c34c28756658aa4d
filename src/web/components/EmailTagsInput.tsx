import { useState } from 'react';
import { TagsInput } from '@mantine/core';

/** A plausible address: something@domain.tld (the server has the last word). */
export const looksLikeEmail = (v: string) => /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]{2,}$/.test(v);

interface EmailTagsInputProps {
  label: string;
  description?: string;
  value: string[];
  onChange: (value: string[]) => void;
  /** The server's error for this list (e.g. for `cc.1`). */
  error?: string;
  disabled?: boolean;
  max?: number;
}

/** Email addresses as tags: typed addresses are added on Enter, comma, space or blur, and checked. */
export function EmailTagsInput({
  label,
  description,
  value,
  onChange,
  error,
  disabled,
  max = 20,
}: EmailTagsInputProps) {
  const [search, setSearch] = useState('');
  const [invalid, setInvalid] = useState<string>();

  const add = (raw: string) => {
    const parts = raw
      .split(/[\s,;]+/)
      .map((p) => p.trim())
      .filter(Boolean);
    if (parts.length === 0) return;
    const bad = parts.filter((p) => !looksLikeEmail(p));
    const good = parts
      .filter(looksLikeEmail)
      .filter((p) => !value.some((v) => v.toLowerCase() === p.toLowerCase()));
    if (good.length) onChange([...value, ...good].slice(0, max));
    if (bad.length) {
      setInvalid(`Not an email address: ${bad.join(', ')}`);
      setSearch(bad.join(' '));
    } else {
      setInvalid(undefined);
      setSearch('');
    }
  };

  return (
    <TagsInput
      label={label}
      description={description}
      placeholder={value.length ? undefined : 'name@example.com'}
      value={value}
      // Adding goes through `add`, which checks the address; removing is passed on as is.
      onChange={(next) => {
        if (next.length < value.length) {
          setInvalid(undefined);
          onChange(next);
        }
      }}
      searchValue={search}
      onSearchChange={(s) => {
        // Pasting "a@x.com, b@y.com" adds both.
        if (/[\s,;]/.test(s)) add(s);
        else {
          setSearch(s);
          if (invalid) setInvalid(undefined);
        }
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && search.trim()) {
          e.preventDefault();
          add(search);
        }
      }}
      onBlur={() => add(search)}
      // Nothing to suggest: no dropdown (its listbox would share the field's label).
      dropdownOpened={false}
      splitChars={[]}
      maxTags={max}
      clearable={!disabled}
      disabled={disabled}
      error={invalid ?? error}
      acceptValueOnBlur={false}
    />
  );
}
