import { useEffect, useState } from 'react';
import { Badge } from '@mantine/core';
import type { ImportCounts, ImportStatus, ImportType } from '../../api/imports.ts';

export const TYPE_LABELS: Record<ImportType, string> = {
  accounts: 'Accounts',
  contacts: 'Contacts',
  individuals: 'Individuals',
  mixed: 'Accounts and contacts',
  invoices: 'Invoices',
  'payment-terms': 'Payment terms',
  'price-groups': 'Price groups',
  'sales-reps': 'Sales reps',
};

export const TYPE_HINTS: Record<ImportType, string> = {
  accounts: 'Companies: one account per row, with its billing address.',
  contacts: 'People on accounts you already have, found by account number or account code.',
  individuals: 'Private customers: each row becomes a personal account and its contact.',
  mixed: 'One sheet holding both: the account on every row, and a contact on it where an email is filled in.',
  invoices:
    'Invoices of accounts you already have, by invoice number: a new number is added, a known one updated. Visitors name a recent one to join an account.',
  'payment-terms':
    'The payment terms accounts can be given (Settings → Customer data), by code: a new code is added, a known one renamed or (de)activated.',
  'price-groups':
    'The price groups accounts can be given (Settings → Customer data), by code: a new code is added, a known one renamed or (de)activated.',
  'sales-reps':
    'The sales reps accounts can be given (Settings → Customer data), by code: a new code is added, a known one renamed or (de)activated.',
};

const STATUS: Record<ImportStatus, { label: string; color: string }> = {
  uploaded: { label: 'Not run yet', color: 'gray' },
  checking: { label: 'Checking', color: 'blue' },
  checked: { label: 'Checked', color: 'cyan' },
  scheduled: { label: 'Scheduled', color: 'violet' },
  queued: { label: 'Waiting to start', color: 'yellow' },
  running: { label: 'Running', color: 'blue' },
  completed: { label: 'Completed', color: 'green' },
  failed: { label: 'Failed', color: 'red' },
  cancelled: { label: 'Cancelled', color: 'orange' },
};

export const statusLabel = (status: ImportStatus) => STATUS[status].label;

export function ImportStatusBadge({ status }: { status: ImportStatus }) {
  const s = STATUS[status];
  return (
    <Badge variant="light" color={s.color} radius="sm" style={{ minWidth: 'max-content' }}>
      {s.label}
    </Badge>
  );
}

export const COUNT_LABELS: Record<keyof ImportCounts, string> = {
  created: 'Created',
  updated: 'Updated',
  unchanged: 'Unchanged',
  rejected: 'Rejected',
};

const numberFmt = new Intl.NumberFormat();
export const formatNumber = (n: number) => numberFmt.format(n);

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export const DELIMITER_NAMES: Record<string, string> = {
  ',': 'commas',
  ';': 'semicolons',
  '\t': 'tabs',
  '|': 'vertical bars',
};

/** The current time, refreshed every `everyMs`: for "is this time still ahead?" during render. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
