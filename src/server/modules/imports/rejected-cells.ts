import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import type { SourceRow } from './sources/source.ts';

const BATCH = 2000;

/**
 * Rejections judged on the whole file (a duplicate key, an unknown account) are made from the stage, which
 * holds mapped values, not the row as it was typed. One more read of the file gives them their source
 * cells, so the report lists every rejected row whole and the file can be fixed and imported again.
 * Costs nothing when no such rejection exists; memory stays at one number per such line.
 */
export async function fillRejectedCells(
  db: Db,
  importId: string,
  rows: () => AsyncIterable<SourceRow>,
): Promise<void> {
  const { rows: wanted } = await sql<{ line: number }>`SELECT line FROM import_rejections
    WHERE import_id = ${importId} GROUP BY line HAVING bool_and(cells IS NULL) ORDER BY line`.execute(db);
  if (!wanted.length) return;
  const lines = Int32Array.from(wanted, (w) => w.line);
  let next = 0;
  let batch: { line: number; cells: string[] }[] = [];
  const write = async () => {
    if (!batch.length) return;
    await sql`UPDATE import_rejections r SET cells = u.cells
      FROM unnest(${batch.map((b) => b.line)}::integer[], ${batch.map((b) => JSON.stringify(b.cells))}::jsonb[])
        AS u(line, cells)
      WHERE r.import_id = ${importId} AND r.line = u.line
        AND r.id = (SELECT min(id) FROM import_rejections f WHERE f.import_id = r.import_id AND f.line = u.line)`.execute(
      db,
    );
    batch = [];
  };
  for await (const row of rows()) {
    while (next < lines.length && lines[next]! < row.line) next++;
    if (next >= lines.length) break;
    if (lines[next] !== row.line) continue;
    batch.push({ line: row.line, cells: row.cells });
    if (batch.length >= BATCH) await write();
  }
  await write();
}
