export type IdempotencyRow = { request_hash: string; response_status: number | null; response_body: string | null; resource_id: string | null; locked_until: string | null };
export type Claim = { outcome: "claimed" | "taken_over"; resource_id: string } | { outcome: "held"; row: IdempotencyRow | null };

/**
 * Claims the key for this request until `leaseUntil`. A record older than 24 h no longer counts and is
 * replaced. A record of the same request whose lease ran out without a response (its request died) is
 * taken over, keeping its resource id; anything else is held by another request or answered already.
 */
export async function claim(db: D1Database, accountId: string, key: string, hash: string, staleBefore: number, now: number, leaseUntil: number, resourceId: string): Promise<Claim> {
  const iso = (ms: number) => new Date(ms).toISOString();
  const [, inserted, taken, row] = await db.batch([
    db.prepare("DELETE FROM idempotency_keys WHERE account_id = ? AND key = ? AND created_at < ?").bind(accountId, key, iso(staleBefore)),
    db.prepare("INSERT OR IGNORE INTO idempotency_keys (account_id, key, request_hash, created_at, locked_until, resource_id) VALUES (?, ?, ?, ?, ?, ?)")
      .bind(accountId, key, hash, iso(now), iso(leaseUntil), resourceId),
    db.prepare(
      `UPDATE idempotency_keys SET locked_until = ?1 WHERE account_id = ?2 AND key = ?3 AND request_hash = ?4 AND response_status IS NULL
         AND changes() = 0 AND (locked_until IS NULL OR locked_until < ?5)`,
    ).bind(iso(leaseUntil), accountId, key, hash, iso(now)),
    db.prepare("SELECT request_hash, response_status, response_body, resource_id, locked_until FROM idempotency_keys WHERE account_id = ? AND key = ?").bind(accountId, key),
  ]);
  const found = (row.results[0] as IdempotencyRow | undefined) ?? null;
  if (inserted.meta.changes === 1) return { outcome: "claimed", resource_id: resourceId };
  if (taken.meta.changes === 1) return { outcome: "taken_over", resource_id: found?.resource_id ?? resourceId };
  return { outcome: "held", row: found };
}

/** Renews the lease of a request still running. */
export const renew = (db: D1Database, accountId: string, key: string, leaseUntil: number) =>
  db.prepare("UPDATE idempotency_keys SET locked_until = ? WHERE account_id = ? AND key = ? AND response_status IS NULL")
    .bind(new Date(leaseUntil).toISOString(), accountId, key).run();

export const complete = (db: D1Database, accountId: string, key: string, status: number, body: string) =>
  db.prepare("UPDATE idempotency_keys SET response_status = ?, response_body = ?, locked_until = NULL WHERE account_id = ? AND key = ?")
    .bind(status, body, accountId, key).run();

export const release = (db: D1Database, accountId: string, key: string) =>
  db.prepare("DELETE FROM idempotency_keys WHERE account_id = ? AND key = ? AND response_status IS NULL")
    .bind(accountId, key).run();
