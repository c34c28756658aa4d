// React 19 has useSyncExternalStore; wouter's import of the pre-18 shim is pointed here (vite.config.ts).
export { useSyncExternalStore } from 'react';
