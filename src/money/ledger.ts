// Where money is debited and credited. Each call is one D1 batch (one transaction) however many
// shipments it covers, so a consumer batch of 100 purchases costs one round trip for its debits.

/** What is charged: a shipment's label, or a pickup (its id, `pku_…`, keys the ledger's rows as a shipment's does). */
export type Debit = { account_id: string; shipment_id: string; cents: number };
/** Why a credit: a voided label, a refunded purchase, a cancelled (or failed) pickup. */
export type CreditReason = "void" | "refund" | "pickup_cancel";
export type DebitResult = { outcome: "debited" | "already_debited" | "insufficient"; cents: number };

/**
 * Debits each shipment unless it was debited before, in one transaction for the whole list. Which
 * shipments fit is planned from the balance read just before; the transaction then takes the total
 * with a conditional `UPDATE … WHERE balance_cents >= total` (the balance can never go below zero)
 * and writes the ledger rows in the same transaction only if that UPDATE changed the row. If anything
 * moved in between (another consumer debited, or recorded one of these shipments), the UPDATE or the
 * ledger's primary key refuses, the whole transaction rolls back, and the plan is made again.
 * Debits apply in list order: when the balance runs out part way, the earlier shipments are bought.
 */
export async function debit(db: D1Database, items: readonly Debit[], now: string, reason: "purchase" | "pickup" = "purchase"): Promise<DebitResult[]> {
  if (!items.length) return [];
  const accountId = items[0].account_id;
  if (items.some((d) => d.account_id !== accountId)) throw new Error("debit: one account per call");
  for (let attempt = 0; ; attempt++) {
    const [account, prior] = await db.batch([
      db.prepare("SELECT balance_cents FROM accounts WHERE id = ?").bind(accountId),
      db.prepare("SELECT shipment_id, cents FROM ledger WHERE kind = 'debit' AND shipment_id IN (SELECT value FROM json_each(?))")
        .bind(JSON.stringify(items.map((d) => d.shipment_id))),
    ]);
    let balance = (account.results[0] as { balance_cents: number } | undefined)?.balance_cents ?? 0;
    const debited = new Map((prior.results as { shipment_id: string; cents: number }[]).map((r) => [r.shipment_id, r.cents]));
    const results: DebitResult[] = items.map((d) => {
      // A redelivered message: what was debited the first time stands, even if the rate has changed since.
      const before = debited.get(d.shipment_id);
      if (before !== undefined) return { outcome: "already_debited", cents: before };
      if (d.cents > balance) return { outcome: "insufficient", cents: d.cents };
      balance -= d.cents;
      return { outcome: "debited", cents: d.cents };
    });
    const fresh = items.filter((_, i) => results[i].outcome === "debited");
    if (!fresh.length) return results;
    const total = fresh.reduce((a, d) => a + d.cents, 0);
    try {
      const [update] = await db.batch([
        db.prepare("UPDATE accounts SET balance_cents = balance_cents - ?1 WHERE id = ?2 AND balance_cents >= ?1").bind(total, accountId),
        db.prepare(
          `INSERT INTO ledger (shipment_id, kind, account_id, cents, reason, created_at)
           SELECT json_extract(value, '$.shipment_id'), 'debit', ?2, json_extract(value, '$.cents'), ?4, ?3
           FROM json_each(?1) WHERE changes() = 1`,
        ).bind(JSON.stringify(fresh.map((d) => ({ shipment_id: d.shipment_id, cents: d.cents }))), accountId, now, reason),
      ]);
      if (update.meta.changes === 1) return results;
    } catch (err) {
      // A shipment debited meanwhile by a concurrent delivery: its ledger row already exists.
      if (!/UNIQUE|constraint/i.test((err as Error).message) || attempt > 5) throw err;
    }
    if (attempt > 5) throw new Error("debit: the balance kept changing");
  }
}

/** What an adjustment did: the difference was taken or given back, had been before, or did not fit the balance. */
export type AdjustResult = { shipment_id: string; outcome: "adjusted" | "already_adjusted" | "insufficient" | "none" };

/**
 * Brings a shipment's debit to what was really charged for it (a provider bills its own fees): one
 * signed `adjustment` row per shipment, once, in one transaction with the balance. More than was
 * debited is taken only if the balance covers it (never below zero); less is given back. A shipment
 * never debited, or a zero difference, changes nothing.
 */
export async function adjust(db: D1Database, items: readonly { shipment_id: string; charged_cents: number }[], now: string): Promise<AdjustResult[]> {
  const results: AdjustResult[] = [];
  for (const item of items) {
    const [debitRow, prior] = await db.batch([
      db.prepare("SELECT account_id, cents FROM ledger WHERE shipment_id = ? AND kind = 'debit'").bind(item.shipment_id),
      db.prepare("SELECT cents FROM ledger WHERE shipment_id = ? AND kind = 'adjustment'").bind(item.shipment_id),
    ]);
    const debited = debitRow.results[0] as { account_id: string; cents: number } | undefined;
    if (prior.results.length) { results.push({ shipment_id: item.shipment_id, outcome: "already_adjusted" }); continue; }
    const delta = debited ? item.charged_cents - debited.cents : 0;
    if (!debited || delta === 0) { results.push({ shipment_id: item.shipment_id, outcome: "none" }); continue; }
    try {
      const [update] = await db.batch([
        db.prepare("UPDATE accounts SET balance_cents = balance_cents - ?1 WHERE id = ?2 AND balance_cents >= ?1").bind(delta, debited.account_id),
        db.prepare(
          `INSERT INTO ledger (shipment_id, kind, account_id, cents, reason, created_at)
           SELECT ?1, 'adjustment', ?2, ?3, 'provider_charge', ?4 WHERE changes() = 1`,
        ).bind(item.shipment_id, debited.account_id, delta, now),
      ]);
      results.push({ shipment_id: item.shipment_id, outcome: update.meta.changes === 1 ? "adjusted" : "insufficient" });
    } catch (err) {
      // Adjusted meanwhile by a concurrent delivery: its row already exists, and the transaction rolled back.
      if (!/UNIQUE|constraint/i.test((err as Error).message)) throw err;
      results.push({ shipment_id: item.shipment_id, outcome: "already_adjusted" });
    }
  }
  return results;
}

/**
 * Statements that credit back what was charged for each shipment (its debit and any adjustment), at
 * most once per shipment: to compose into the transaction that records why (a void, a refund).
 */
export function creditStatements(db: D1Database, shipmentIds: readonly string[], reason: CreditReason, now: string): D1PreparedStatement[] {
  return shipmentIds.flatMap((id) => [
    db.prepare(
      `INSERT INTO ledger (shipment_id, kind, account_id, cents, reason, created_at)
       SELECT d.shipment_id, 'credit', d.account_id, d.cents + COALESCE((SELECT a.cents FROM ledger a WHERE a.shipment_id = ?1 AND a.kind = 'adjustment'), 0), ?2, ?3
       FROM ledger d WHERE d.shipment_id = ?1 AND d.kind = 'debit'
       ON CONFLICT DO NOTHING`,
    ).bind(id, reason, now),
    db.prepare(
      `UPDATE accounts SET balance_cents = balance_cents + (SELECT cents FROM ledger WHERE shipment_id = ?1 AND kind = 'credit')
       WHERE id = (SELECT account_id FROM ledger WHERE shipment_id = ?1 AND kind = 'credit') AND changes() = 1`,
    ).bind(id),
  ]);
}

/** Credits back what was charged for each shipment, at most once per shipment. */
export async function credit(db: D1Database, shipmentIds: readonly string[], reason: CreditReason, now: string): Promise<void> {
  if (!shipmentIds.length) return;
  await db.batch(creditStatements(db, shipmentIds, reason, now));
}

/** Of these shipments, those debited and not credited back: what an undo still owes. */
export async function uncredited(db: D1Database, shipmentIds: readonly string[]): Promise<string[]> {
  if (!shipmentIds.length) return [];
  const { results } = await db.prepare(
    `SELECT d.shipment_id AS id FROM ledger d WHERE d.kind = 'debit' AND d.shipment_id IN (SELECT value FROM json_each(?))
       AND NOT EXISTS (SELECT 1 FROM ledger c WHERE c.shipment_id = d.shipment_id AND c.kind = 'credit')`,
  ).bind(JSON.stringify(shipmentIds)).all<{ id: string }>();
  return results.map((r) => r.id);
}
