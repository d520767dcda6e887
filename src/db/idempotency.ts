export type IdempotencyRow = { request_hash: string; response_status: number | null; response_body: string | null };

/** Claims the key for this request; a record older than 24 h no longer counts and is replaced. */
export async function claim(db: D1Database, accountId: string, key: string, hash: string, staleBefore: number): Promise<boolean> {
  const [, inserted] = await db.batch([
    db.prepare("DELETE FROM idempotency_keys WHERE account_id = ? AND key = ? AND created_at < ?")
      .bind(accountId, key, new Date(staleBefore).toISOString()),
    db.prepare("INSERT OR IGNORE INTO idempotency_keys (account_id, key, request_hash, created_at) VALUES (?, ?, ?, ?)")
      .bind(accountId, key, hash, new Date().toISOString()),
  ]);
  return inserted.meta.changes === 1;
}

export const find = (db: D1Database, accountId: string, key: string) =>
  db.prepare("SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE account_id = ? AND key = ?")
    .bind(accountId, key).first<IdempotencyRow>();

export const complete = (db: D1Database, accountId: string, key: string, status: number, body: string) =>
  db.prepare("UPDATE idempotency_keys SET response_status = ?, response_body = ? WHERE account_id = ? AND key = ?")
    .bind(status, body, accountId, key).run();

export const release = (db: D1Database, accountId: string, key: string) =>
  db.prepare("DELETE FROM idempotency_keys WHERE account_id = ? AND key = ? AND response_status IS NULL")
    .bind(accountId, key).run();
