// The batch object's own SQLite (`ctx.storage.sql`) behind the same statement interface as D1
// (`prepare(…).bind(…).all/run/first`, `batch([...])`), so the statements of src/db/ can run in the
// object unchanged as a batch's data moves there (issue 26). A `batch` is one local transaction
// (`transactionSync`), as D1's is; `changes()` in a statement sees the one before it, as in D1.
import { counters } from "../lib/capacity";

type Meta = { rows_read: number; rows_written: number; changes: number; duration: number; last_row_id: number; changed_db: boolean; size_after: number };
type Result<T> = { results: T[]; success: true; meta: Meta };

class LocalStatement {
  constructor(private readonly local: LocalSql, readonly sql: string, readonly params: unknown[] = []) {}

  bind(...values: unknown[]): LocalStatement {
    return new LocalStatement(this.local, this.sql, values.map((v) => (v === undefined ? null : typeof v === "boolean" ? Number(v) : v)));
  }

  /** Runs now, outside any batch: a transaction of its own, as a lone D1 statement is. */
  exec<T>(): Result<T> {
    const cursor = this.local.storage.sql.exec<Record<string, SqlStorageValue>>(this.sql, ...this.params);
    // Rows as value arrays, made objects here: the runtime's `toArray` builds each row's object a
    // property at a time, which is slower for wide rows (a shipment's every column).
    const names = cursor.columnNames;
    const results: T[] = [];
    for (const values of cursor.raw()) {
      const row: Record<string, SqlStorageValue> = {};
      for (let i = 0; i < names.length; i++) row[names[i]] = values[i];
      results.push(row as T);
    }
    // Asked only of a statement that wrote: a read changes nothing, and every read asking cost a second statement.
    const changes = cursor.rowsWritten > 0 ? this.local.storage.sql.exec<{ n: number }>("SELECT changes() AS n").one().n : 0;
    counters.object_statements++;
    counters.object_rows_read += cursor.rowsRead;
    counters.object_rows_written += cursor.rowsWritten;
    return {
      results, success: true,
      meta: { rows_read: cursor.rowsRead, rows_written: cursor.rowsWritten, changes, duration: 0, last_row_id: 0, changed_db: cursor.rowsWritten > 0, size_after: 0 },
    };
  }

  async all<T = Record<string, unknown>>(): Promise<Result<T>> {
    return this.exec<T>();
  }

  async run<T = Record<string, unknown>>(): Promise<Result<T>> {
    return this.exec<T>();
  }

  async first<T = Record<string, unknown>>(column?: string): Promise<T | null> {
    const row = this.exec<Record<string, unknown>>().results[0];
    if (row === undefined) return null;
    return (column ? row[column] : row) as T;
  }
}

export class LocalSql {
  constructor(readonly storage: DurableObjectStorage) {}

  prepare(sql: string): LocalStatement {
    return new LocalStatement(this, sql);
  }

  /** Every statement in order, in one transaction: all of them or none. */
  async batch<T = Record<string, unknown>>(statements: readonly LocalStatement[]): Promise<Result<T>[]> {
    return this.storage.transactionSync(() => statements.map((s) => s.exec<T>()));
  }

  /** Runs `fn` as one transaction: the statements it runs (with `rows`) commit together or not at all. */
  transaction<T>(fn: () => T): T {
    return this.storage.transactionSync(fn);
  }

  /** A statement's rows now, synchronously (inside `transaction`, between other statements of it). */
  rows<T = Record<string, unknown>>(statement: D1PreparedStatement): T[] {
    return (statement as unknown as LocalStatement).exec<T>().results;
  }

  /** Statements with no bindings, run once (a schema); `--` comment lines are left out. */
  execScript(sql: string) {
    const code = sql.split("\n").filter((line) => !line.trim().startsWith("--")).join("\n");
    for (const statement of code.split(";").map((s) => s.trim()).filter(Boolean)) this.storage.sql.exec(statement);
  }
}

/** The object's SQLite as the D1 interface the statements of src/db/ are written against. */
export const asD1 = (local: LocalSql) => local as unknown as D1Database;
