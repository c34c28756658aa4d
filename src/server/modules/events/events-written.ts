// In-process news that events (and with them, maybe, webhook deliveries) were just written, so this
// instance's webhook sender looks shortly after their commit instead of at its next poll. Other instances,
// and a transaction that commits later, are served by the poll.
const listeners = new Set<() => void>();

/** Calls `listener` whenever events are written in this process; returns how to stop. */
export function onEventsWritten(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function eventsWritten(): void {
  for (const listener of listeners) listener();
}
