// Capacity counters for `npm run capacity` only (the var CAPACITY_COUNTERS=1, never set in
// wrangler.toml): every D1 statement's rows read and written (as D1 reports them in `meta`), and
// every queue message sent, counted per isolate. Locally the Worker, its consumers and every batch
// object run in one isolate, so one set of counters sees all of them. Off, nothing is wrapped.
export type Counters = {
  d1_statements: number; d1_rows_read: number; d1_rows_written: number; queue_messages: Record<string, number>;
  /** Rows read and written in the batch objects' own SQLite (local-sql.ts counts them, always: it costs an addition). */
  object_statements: number; object_rows_read: number; object_rows_written: number;
};

export const counters: Counters = { d1_statements: 0, d1_rows_read: 0, d1_rows_written: 0, queue_messages: {}, object_statements: 0, object_rows_read: 0, object_rows_written: 0 };

export const countingOn = (env: { CAPACITY_COUNTERS?: string }) => env.CAPACITY_COUNTERS === "1";

export function resetCounters() {
  Object.assign(counters, { d1_statements: 0, d1_rows_read: 0, d1_rows_written: 0, queue_messages: {}, object_statements: 0, object_rows_read: 0, object_rows_written: 0 });
}

type Meta = { rows_read?: number; rows_written?: number };
const tally = (results: { meta?: Meta } | readonly { meta?: Meta }[]) => {
  for (const r of Array.isArray(results) ? results : [results]) {
    counters.d1_statements++;
    counters.d1_rows_read += r.meta?.rows_read ?? 0;
    counters.d1_rows_written += r.meta?.rows_written ?? 0;
  }
};

const real = new WeakMap<object, D1PreparedStatement>();

function statement(stmt: D1PreparedStatement): D1PreparedStatement {
  const wrapped = {
    bind: (...values: unknown[]) => statement(stmt.bind(...values)),
    async run() { const r = await stmt.run(); tally(r); return r; },
    async all() { const r = await stmt.all(); tally(r); return r; },
    async first(column?: string) {
      const r = await stmt.all<Record<string, unknown>>();
      tally(r);
      const row = r.results[0];
      return row === undefined ? null : column ? row[column] : row;
    },
    raw: (options?: { columnNames?: boolean }) => stmt.raw(options as { columnNames: true }),
  } as unknown as D1PreparedStatement;
  real.set(wrapped, stmt);
  return wrapped;
}

function database(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => statement(target.prepare(sql));
      if (prop === "batch") {
        return async (stmts: D1PreparedStatement[]) => {
          const results = await target.batch(stmts.map((s) => real.get(s) ?? s));
          tally(results);
          return results;
        };
      }
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

function queue(name: string, q: Queue): Queue {
  const add = (n: number) => { counters.queue_messages[name] = (counters.queue_messages[name] ?? 0) + n; };
  return new Proxy(q, {
    get(target, prop) {
      if (prop === "send") return (body: unknown, opts?: QueueSendOptions) => { add(1); return target.send(body, opts); };
      if (prop === "sendBatch") return (msgs: Iterable<MessageSendRequest>, opts?: QueueSendBatchOptions) => { const list = [...msgs]; add(list.length); return target.sendBatch(list, opts); };
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** The env with D1 and every queue counted, when CAPACITY_COUNTERS=1; the env itself otherwise. */
export function counted<E extends Env>(env: E): E {
  if (!countingOn(env)) return env;
  return {
    ...env, DB: database(env.DB),
    PURCHASE_QUEUE: queue("batch-purchases", env.PURCHASE_QUEUE), RATE_QUEUE: queue("batch-rates", env.RATE_QUEUE),
    LABEL_QUEUE: queue("batch-labels", env.LABEL_QUEUE), WEBHOOK_QUEUE: queue("batch-webhooks", env.WEBHOOK_QUEUE),
  };
}
