/**
 * Reads the FEC of a fiscal year from export_fec() through a cursor, a batch
 * of lines at a time, so a year of a million lines never sits whole in the
 * client's memory (pg's query() would buffer every row). Runs in the caller's
 * transaction: call it between `begin` and `commit`/`rollback`.
 */
import type pg from "pg";

const BATCH = 10_000;

/** Calls `onLines` with each batch (lines without terminators, header first); returns the number of lines. */
export async function streamFec(
  client: pg.Client,
  orgId: string,
  fiscalYearEnd: string,
  onLines: (lines: string[]) => void | Promise<void>,
): Promise<number> {
  // DECLARE takes no bind parameters: the values go in as escaped literals.
  await client.query(
    `declare fec_lines no scroll cursor for
     select line from public.export_fec(${client.escapeLiteral(orgId)}::uuid, ${client.escapeLiteral(fiscalYearEnd)}::date) as line`,
  );
  let total = 0;
  for (;;) {
    const batch = await client.query({ text: `fetch ${BATCH} from fec_lines`, rowMode: "array" });
    if (batch.rows.length === 0) break;
    total += batch.rows.length;
    await onLines(batch.rows.map((r) => r[0] as string));
  }
  await client.query("close fec_lines");
  return total;
}
