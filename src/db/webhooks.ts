
export type WebhookRow = { id: string; account_id: string; mode: "test" | "live"; url: string; events: string; secret: string; created_at: string; deleted_at: string | null };
export type AttemptRow = { event_id: string; webhook_id: string; attempt: number; status_code: number | null; error: string | null; outcome: string; created_at: string };

export const insertWebhook = (db: D1Database, w: WebhookRow) =>
  db.prepare("INSERT INTO webhooks (id, account_id, mode, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
    .bind(w.id, w.account_id, w.mode, w.url, w.events, w.secret, w.created_at).run();

export async function listWebhooks(db: D1Database, accountId: string, page: number, limit: number) {
  const w = { sql: "account_id = ? AND deleted_at IS NULL", params: [accountId] };
  const [rows, total] = await db.batch([
    db.prepare(`SELECT * FROM webhooks WHERE ${w.sql} ORDER BY id DESC LIMIT ? OFFSET ?`).bind(...w.params, limit, (page - 1) * limit),
    db.prepare(`SELECT COUNT(*) AS n FROM webhooks WHERE ${w.sql}`).bind(...w.params),
  ]);
  return { rows: rows.results as WebhookRow[], total: (total.results[0] as { n: number }).n };
}

/** Soft delete: deliveries check `deleted_at` before each attempt, so they stop at once. */
export async function deleteWebhook(db: D1Database, accountId: string, id: string): Promise<boolean> {
  const r = await db.prepare("UPDATE webhooks SET deleted_at = ? WHERE id = ? AND account_id = ? AND deleted_at IS NULL")
    .bind(new Date().toISOString(), id, accountId).run();
  return r.meta.changes === 1;
}

export async function subscribers(db: D1Database, accountId: string, type: string): Promise<WebhookRow[]> {
  const { results } = await db.prepare(
    "SELECT * FROM webhooks WHERE account_id = ? AND deleted_at IS NULL AND EXISTS (SELECT 1 FROM json_each(webhooks.events) WHERE value = ?)",
  ).bind(accountId, type).all<WebhookRow>();
  return results;
}

export const activeWebhook = (db: D1Database, id: string) =>
  db.prepare("SELECT * FROM webhooks WHERE id = ? AND deleted_at IS NULL").bind(id).first<WebhookRow>();

export const recordAttempt = (db: D1Database, a: AttemptRow) =>
  db.prepare(
    `INSERT INTO webhook_attempts (event_id, webhook_id, attempt, status_code, error, outcome, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (event_id, webhook_id, attempt) DO UPDATE SET status_code = excluded.status_code, error = excluded.error, outcome = excluded.outcome`,
  ).bind(a.event_id, a.webhook_id, a.attempt, a.status_code, a.error, a.outcome, a.created_at);

export async function attemptsFor(db: D1Database, eventIds: readonly string[]): Promise<AttemptRow[]> {
  if (!eventIds.length) return [];
  const { results } = await db.prepare("SELECT * FROM webhook_attempts WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY created_at, attempt")
    .bind(JSON.stringify(eventIds)).all<AttemptRow>();
  return results;
}

/** The final word on a delivery whose retries ran out: one more row, `failed`. */
export const recordFailure = (db: D1Database, eventId: string, webhookId: string, now: string) =>
  db.prepare(
    `INSERT INTO webhook_attempts (event_id, webhook_id, attempt, status_code, error, outcome, created_at)
     SELECT ?1, ?2, COALESCE(MAX(attempt), 0) + 1, NULL, 'Gave up after the last retry', 'failed', ?3
     FROM webhook_attempts WHERE event_id = ?1 AND webhook_id = ?2`,
  ).bind(eventId, webhookId, now);

export type DeliveryRow = { event_id: string; webhook_id: string; status: "owed" | "delivered" | "failed"; attempts: number; next_at: string };

/**
 * The fan-out of one event, in one transaction: a delivery owed to each subscription of its account
 * that takes its type (once, however often the fan-out runs), and the event marked as fanned out.
 * The statement's rows are the deliveries still owed.
 */
export const fanOut = (db: D1Database, eventId: string, now: string) => [
  db.prepare(
    `INSERT OR IGNORE INTO webhook_deliveries (event_id, webhook_id, status, attempts, next_at, updated_at)
     SELECT e.id, w.id, 'owed', 0, ?2, ?2 FROM events e JOIN webhooks w ON w.account_id = e.account_id AND w.deleted_at IS NULL
     WHERE e.id = ?1 AND EXISTS (SELECT 1 FROM json_each(w.events) WHERE value = e.type)`,
  ).bind(eventId, now),
  db.prepare("UPDATE events SET fanned_out_at = COALESCE(fanned_out_at, ?2) WHERE id = ?1").bind(eventId, now),
  db.prepare("SELECT webhook_id FROM webhook_deliveries WHERE event_id = ? AND status = 'owed'").bind(eventId),
];

/** The fan-out of many events at once: the same three statements, over a list of event ids. */
export const fanOutMany = (db: D1Database, eventIds: readonly string[], now: string) => {
  const ids = JSON.stringify(eventIds);
  return [
    db.prepare(
      `INSERT OR IGNORE INTO webhook_deliveries (event_id, webhook_id, status, attempts, next_at, updated_at)
       SELECT e.id, w.id, 'owed', 0, ?2, ?2 FROM events e JOIN webhooks w ON w.account_id = e.account_id AND w.deleted_at IS NULL
       WHERE e.id IN (SELECT value FROM json_each(?1)) AND EXISTS (SELECT 1 FROM json_each(w.events) WHERE value = e.type)`,
    ).bind(ids, now),
    db.prepare("UPDATE events SET fanned_out_at = COALESCE(fanned_out_at, ?2) WHERE id IN (SELECT value FROM json_each(?1))").bind(ids, now),
    db.prepare("SELECT event_id, webhook_id FROM webhook_deliveries WHERE event_id IN (SELECT value FROM json_each(?)) AND status = 'owed'").bind(ids),
  ];
};

export const getDelivery = (db: D1Database, eventId: string, webhookId: string) =>
  db.prepare("SELECT * FROM webhook_deliveries WHERE event_id = ? AND webhook_id = ?").bind(eventId, webhookId).first<DeliveryRow>();

/** One attempt's result: delivered, failed (its last), or owed again at `nextAt`. Only an owed delivery moves. */
export const settleDelivery = (db: D1Database, eventId: string, webhookId: string, status: DeliveryRow["status"], attempts: number, nextAt: string, now: string) =>
  db.prepare(
    `UPDATE webhook_deliveries SET status = ?3, attempts = MAX(attempts, ?4), next_at = ?5, updated_at = ?6
     WHERE event_id = ?1 AND webhook_id = ?2 AND status = 'owed'`,
  ).bind(eventId, webhookId, status, attempts, nextAt, now);

/** Events never fanned out (their message lost) since before `before`, oldest first. */
export async function unfannedEvents(db: D1Database, before: string, limit: number): Promise<string[]> {
  const { results } = await db.prepare("SELECT id FROM events WHERE fanned_out_at IS NULL AND created_at < ? ORDER BY created_at LIMIT ?")
    .bind(before, limit).all<{ id: string }>();
  return results.map((r) => r.id);
}

/**
 * Deliveries owed whose next attempt was due before `before` (their message lost, or late), oldest
 * first; each is moved to `nextAt` in the same statement, so one sweep sends it once.
 */
export async function overdueDeliveries(db: D1Database, before: string, nextAt: string, limit: number): Promise<DeliveryRow[]> {
  const { results } = await db.prepare(
    `UPDATE webhook_deliveries SET next_at = ?2 WHERE rowid IN (
       SELECT rowid FROM webhook_deliveries WHERE status = 'owed' AND next_at < ?1 ORDER BY next_at LIMIT ?3)
     RETURNING *`,
  ).bind(before, nextAt, limit).all<DeliveryRow>();
  return results;
}
