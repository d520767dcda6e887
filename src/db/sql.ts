// D1 allows 100 bound parameters a statement, so bulk writes bind one JSON array and let SQLite's
// json_each unpack it: a 10,000-row insert becomes a handful of statements instead of 10,000.
// Chunks stay well under D1's 2 MB limit on a single value.
const MAX_CHUNK_BYTES = 512 * 1024;

export function jsonChunks(rows: readonly unknown[]): string[] {
  const chunks: string[] = [];
  let parts: string[] = [];
  let size = 0;
  for (const row of rows) {
    const text = JSON.stringify(row);
    if (size + text.length > MAX_CHUNK_BYTES && parts.length) {
      chunks.push(`[${parts.join(",")}]`);
      parts = [];
      size = 0;
    }
    parts.push(text);
    size += text.length + 1;
  }
  if (parts.length) chunks.push(`[${parts.join(",")}]`);
  return chunks;
}

/** `json_extract(value, '$.col') AS col, …` for a json_each source. */
export const extract = (cols: readonly string[]) => cols.map((c) => `json_extract(value, '$.${c}') AS ${c}`).join(", ");

/** AND-joins the conditions whose value is defined; each condition has exactly one `?`. */
export function where(conds: Array<[string, unknown]>): { sql: string; params: unknown[] } {
  const used = conds.filter(([, v]) => v !== undefined && v !== null);
  return { sql: used.map(([c]) => c).join(" AND "), params: used.map(([, v]) => v) };
}
