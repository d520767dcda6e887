// Where money is debited and credited. Both are single D1 batches (one transaction each).

export type DebitResult = { outcome: "debited" | "already_debited" | "insufficient"; cents: number };

/**
 * Debits the account for a shipment unless it was debited before. The conditional UPDATE is what
 * keeps the balance from going below zero; the ledger row is written in the same transaction only if
 * that UPDATE changed the row (`changes()`), so money and record can never disagree.
 */
export async function debit(db: D1Database, accountId: string, shipmentId: string, cents: number, now: string): Promise<DebitResult> {
  const [update] = await db.batch([
    db.prepare(
      `UPDATE accounts SET balance_cents = balance_cents - ?1
       WHERE id = ?2 AND balance_cents >= ?1
         AND NOT EXISTS (SELECT 1 FROM ledger WHERE shipment_id = ?3 AND kind = 'debit')`,
    ).bind(cents, accountId, shipmentId),
    db.prepare(
      `INSERT INTO ledger (shipment_id, kind, account_id, cents, reason, created_at)
       SELECT ?1, 'debit', ?2, ?3, 'purchase', ?4 WHERE changes() = 1`,
    ).bind(shipmentId, accountId, cents, now),
  ]);
  if (update.meta.changes === 1) return { outcome: "debited", cents };
  // A redelivered message: what was debited the first time stands, even if the rate has changed since.
  const prior = await db.prepare("SELECT cents FROM ledger WHERE shipment_id = ? AND kind = 'debit'").bind(shipmentId).first<{ cents: number }>();
  return prior ? { outcome: "already_debited", cents: prior.cents } : { outcome: "insufficient", cents };
}

/** Credits back what was debited for a shipment, at most once; returns the cents credited now. */
export async function credit(db: D1Database, shipmentId: string, reason: "void" | "refund", now: string): Promise<number> {
  const [insert] = await db.batch([
    db.prepare(
      `INSERT INTO ledger (shipment_id, kind, account_id, cents, reason, created_at)
       SELECT shipment_id, 'credit', account_id, cents, ?2, ?3 FROM ledger WHERE shipment_id = ?1 AND kind = 'debit'
       ON CONFLICT DO NOTHING`,
    ).bind(shipmentId, reason, now),
    db.prepare(
      `UPDATE accounts SET balance_cents = balance_cents + (SELECT cents FROM ledger WHERE shipment_id = ?1 AND kind = 'credit')
       WHERE id = (SELECT account_id FROM ledger WHERE shipment_id = ?1 AND kind = 'credit') AND changes() = 1`,
    ).bind(shipmentId),
  ]);
  if (insert.meta.changes !== 1) return 0;
  const row = await db.prepare("SELECT cents FROM ledger WHERE shipment_id = ? AND kind = 'credit'").bind(shipmentId).first<{ cents: number }>();
  return row?.cents ?? 0;
}
