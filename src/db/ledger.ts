// Where money is debited and credited. Each call is one D1 batch (one transaction) however many
// shipments it covers, so a consumer batch of 100 purchases costs one round trip for its debits.

export type Debit = { account_id: string; shipment_id: string; cents: number };
export type DebitResult = { outcome: "debited" | "already_debited" | "insufficient"; cents: number };

/**
 * Debits each shipment unless it was debited before. The conditional UPDATE (`balance_cents >= ?`) is
 * what keeps the balance from going below zero; the ledger row is written in the same transaction only
 * if that UPDATE changed the row (`changes()`), so money and record can never disagree. Debits apply in
 * order, so when the balance runs out part way, the earlier shipments are the ones bought.
 */
export async function debit(db: D1Database, items: readonly Debit[], now: string): Promise<DebitResult[]> {
  if (!items.length) return [];
  const results = await db.batch(items.flatMap((d) => [
    db.prepare(
      `UPDATE accounts SET balance_cents = balance_cents - ?1
       WHERE id = ?2 AND balance_cents >= ?1
         AND NOT EXISTS (SELECT 1 FROM ledger WHERE shipment_id = ?3 AND kind = 'debit')`,
    ).bind(d.cents, d.account_id, d.shipment_id),
    db.prepare(
      `INSERT INTO ledger (shipment_id, kind, account_id, cents, reason, created_at)
       SELECT ?1, 'debit', ?2, ?3, 'purchase', ?4 WHERE changes() = 1`,
    ).bind(d.shipment_id, d.account_id, d.cents, now),
  ]));
  const debited = items.map((_, i) => results[2 * i].meta.changes === 1);
  const others = items.filter((_, i) => !debited[i]).map((d) => d.shipment_id);
  // A redelivered message: what was debited the first time stands, even if the rate has changed since.
  const prior = new Map<string, number>();
  if (others.length) {
    const { results: rows } = await db.prepare("SELECT shipment_id, cents FROM ledger WHERE kind = 'debit' AND shipment_id IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(others)).all<{ shipment_id: string; cents: number }>();
    for (const r of rows) prior.set(r.shipment_id, r.cents);
  }
  return items.map((d, i) => {
    if (debited[i]) return { outcome: "debited", cents: d.cents };
    const cents = prior.get(d.shipment_id);
    return cents === undefined ? { outcome: "insufficient", cents: d.cents } : { outcome: "already_debited", cents };
  });
}

/** Credits back what was debited for each shipment, at most once per shipment. */
export async function credit(db: D1Database, shipmentIds: readonly string[], reason: "void" | "refund", now: string): Promise<void> {
  if (!shipmentIds.length) return;
  await db.batch(shipmentIds.flatMap((id) => [
    db.prepare(
      `INSERT INTO ledger (shipment_id, kind, account_id, cents, reason, created_at)
       SELECT shipment_id, 'credit', account_id, cents, ?2, ?3 FROM ledger WHERE shipment_id = ?1 AND kind = 'debit'
       ON CONFLICT DO NOTHING`,
    ).bind(id, reason, now),
    db.prepare(
      `UPDATE accounts SET balance_cents = balance_cents + (SELECT cents FROM ledger WHERE shipment_id = ?1 AND kind = 'credit')
       WHERE id = (SELECT account_id FROM ledger WHERE shipment_id = ?1 AND kind = 'credit') AND changes() = 1`,
    ).bind(id),
  ]));
}
