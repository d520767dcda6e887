// The carrier adapters keep their books where the batch's data is: the sandbox carrier's table of
// labels sold, and the provider's shipment ids on our shipments, both in the batch's object. An
// adapter is written against D1's statement interface (a D1 database in its own tests); this gives it
// that interface over the batch object's `books` RPC, one call per statement or batch of statements.
import { batchCalls, batchObject, found } from "./client";

type Statement = { sql: string; params: unknown[] };
const meta = { rows_read: 0, rows_written: 0, changes: 0, duration: 0, last_row_id: 0, changed_db: false, size_after: 0 };

export function batchBooks(env: Env, batchId: string): D1Database {
  const run = async (statements: Statement[]) => {
    const answer = found(await batchCalls(env, batchId).books(batchId, statements));
    if (!answer) throw new Error(`No batch ${batchId} keeps these books`);
    return answer.results as Record<string, unknown>[][];
  };
  const statement = (sql: string, params: unknown[] = []) => {
    const s = {
      sql, params,
      bind: (...values: unknown[]) => statement(sql, values),
      all: async () => ({ results: (await run([{ sql, params }]))[0], success: true, meta }),
      run: async () => ({ results: (await run([{ sql, params }]))[0], success: true, meta }),
      first: async (column?: string) => {
        const row = (await run([{ sql, params }]))[0][0];
        return row === undefined ? null : column ? row[column] : row;
      },
    };
    return s;
  };
  return {
    prepare: (sql: string) => statement(sql),
    batch: async (statements: Statement[]) => (await run(statements.map(({ sql, params }) => ({ sql, params })))).map((results: Record<string, unknown>[]) => ({ results, success: true, meta })),
  } as unknown as D1Database;
}
