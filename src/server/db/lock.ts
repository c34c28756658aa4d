import fs from 'node:fs';
import lockfile from 'proper-lockfile';

/** PGlite has no lock of its own: a second opener would silently lose writes, so we refuse it. */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  fs.mkdirSync(dir, { recursive: true });
  try {
    return await lockfile.lock(dir, { lockfilePath: `${dir}/clientele.lock`, stale: 15_000, update: 5_000 });
  } catch (err) {
    if ((err as { code?: string }).code === 'ELOCKED') {
      throw new DataDirLockedError(dir);
    }
    throw err;
  }
}

export class DataDirLockedError extends Error {
  constructor(dir: string) {
    super(
      `The data directory ${dir} is in use by another Clientele process. ` +
        'Stop that process first, or set DATA_DIR to another directory (or DATABASE_URL to share a PostgreSQL server).',
    );
    this.name = 'DataDirLockedError';
  }
}
