import { useEffect, useRef, useState } from 'react';
import { CloseButton, Loader, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';

interface SearchInputProps {
  label: string;
  placeholder?: string;
  value: string;
  /** Called ~200 ms after the user stops typing. */
  onSearch: (q: string) => void;
  loading?: boolean;
  autoFocus?: boolean;
}

/** Search-as-you-type: keeps its own text and reports it debounced. */
export function SearchInput({ label, placeholder, value, onSearch, loading, autoFocus }: SearchInputProps) {
  const [text, setText] = useState(value);
  const [debounced] = useDebouncedValue(text, 200);
  const last = useRef(value);

  // Follow outside changes (back button) without fighting the user's typing.
  useEffect(() => {
    if (value !== last.current) {
      last.current = value;
      setText(value);
    }
  }, [value]);

  useEffect(() => {
    const q = debounced.trim();
    if (q !== last.current) {
      last.current = q;
      onSearch(q);
    }
  }, [debounced, onSearch]);

  return (
    <TextInput
      label={label}
      placeholder={placeholder}
      type="search"
      value={text}
      autoFocus={autoFocus}
      onChange={(e) => setText(e.currentTarget.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          last.current = text.trim();
          onSearch(text.trim());
        }
      }}
      leftSection={<IconSearch size={16} />}
      rightSection={
        loading ? (
          <Loader size={14} />
        ) : text ? (
          <CloseButton
            size="sm"
            aria-label="Clear search"
            onClick={() => {
              setText('');
              last.current = '';
              onSearch('');
            }}
          />
        ) : null
      }
      style={{ flex: 1, minWidth: 220 }}
    />
  );
}
