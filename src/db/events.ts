import { newId } from "../lib/ids";
import { where } from "./sql";

export type EventRow = { id: string; account_id: string; type: string; batch_id: string | null; data: string; created_at: string };

/** A new event's id and the statement that stores it (to run in the caller's batch). */
export function insertEvent(db: D1Database, accountId: string, type: string, batchId: string, data: unknown, createdAt: string) {
  const id = newId("evt");
  const statement = db.prepare("INSERT INTO events (id, account_id, type, batch_id, data, created_at) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(id, accountId, type, batchId, JSON.stringify(data), createdAt);
  return { id, statement };
}

export async function listEvents(db: D1Database, accountId: string, opts: { page: number; limit: number; type?: string; batch_id?: string }) {
  const w = where([["account_id = ?", accountId], ["type = ?", opts.type], ["batch_id = ?", opts.batch_id]]);
  const [rows, total] = await db.batch([
    db.prepare(`SELECT * FROM events WHERE ${w.sql} ORDER BY id DESC LIMIT ? OFFSET ?`)
      .bind(...w.params, opts.limit, (opts.page - 1) * opts.limit),
    db.prepare(`SELECT COUNT(*) AS n FROM events WHERE ${w.sql}`).bind(...w.params),
  ]);
  return { rows: rows.results as EventRow[], total: (total.results[0] as { n: number }).n };
}

export const getEvent = (db: D1Database, id: string) => db.prepare("SELECT * FROM events WHERE id = ?").bind(id).first<EventRow>();

export const getAccountEvent = (db: D1Database, accountId: string, id: string) =>
  db.prepare("SELECT * FROM events WHERE id = ? AND account_id = ?").bind(id, accountId).first<EventRow>();
