export type KeyRow = { account_id: string; mode: "test" | "live" };
export type AccountRow = { id: string; balance_cents: number; currency: string; created_at: string };

export const findKey = (db: D1Database, keyHash: string) =>
  db.prepare("SELECT account_id, mode FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL").bind(keyHash).first<KeyRow>();

export const getAccount = (db: D1Database, id: string) =>
  db.prepare("SELECT id, balance_cents, currency, created_at FROM accounts WHERE id = ?").bind(id).first<AccountRow>();
