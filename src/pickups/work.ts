// Booking and cancelling a batch's pickups with their carriers, and the money for them. Each pickup is
// quoted (its provider id and price kept by the batch's object before any money moves), debited, then
// booked; a redelivery finds the debit made (the ledger's key is the pickup's id) and the provider's
// pickup kept, so nothing is charged or booked twice. A pickup that cannot be booked is credited back.
import { batchBooks } from "../batch/books";
import { batchCalls, batchObject, found } from "../batch/client";
import { storedPickups, type StoredPickup } from "../batch/pickups";
import { carrierFor } from "../carriers";
import type { PickupRequest } from "../carriers/types";
import type { BatchRow } from "../db/batches";
import type { PickupJob } from "../labels/messages";
import { credit, debit } from "../money";
import { nowIso } from "../lib/time";

const requestOf = (p: StoredPickup): PickupRequest => ({
  id: p.id, carrier: p.carrier, address: JSON.parse(p.origin), shipment_keys: p.shipment_ids,
  min_datetime: p.min_datetime, max_datetime: p.max_datetime, instructions: p.instructions,
});

/** Books the job's pickups still `scheduling`. Throws on a transient failure (the message is retried). */
export async function schedulePickups(env: Env, job: PickupJob): Promise<void> {
  const object = batchObject(env, job.batch_id);
  const calls = batchCalls(env, job.batch_id);
  const answer = found(await batchCalls(env, job.batch_id).read(null, job.batch_id));
  if (!answer) return;
  const row = answer.row as BatchRow;
  const carrier = carrierFor(env, row.mode, batchBooks(env, row.id));
  let transient: string | null = null;
  for (let p of storedPickups(row.pickups).filter((x) => job.pickup_ids.includes(x.id) && x.status === "scheduling")) {
    const req = requestOf(p);
    if (!p.provider_id || p.cents === null) {
      const quote = await carrier.quotePickup(req);
      if (!quote.ok) {
        if (quote.transient) { transient = quote.message; continue; }
        await object.recordPickup(row.id, p.id, { kind: "failed", message: quote.message });
        continue;
      }
      const noted = found(await calls.recordPickup(row.id, p.id, { kind: "quoted", provider_id: quote.provider_id, cents: quote.cents }));
      if (!noted?.pickup) continue;
      p = noted.pickup;
    }
    const [charged] = await debit(env.DB, [{ account_id: row.account_id, shipment_id: p.id, cents: p.cents! }], nowIso(), "pickup");
    if (charged.outcome === "insufficient") {
      await object.recordPickup(row.id, p.id, { kind: "failed", message: "Insufficient prepay balance" });
      continue;
    }
    const booked = await carrier.buyPickup(req, p.provider_id!);
    if (!booked.ok) {
      if (booked.transient) { transient = booked.message; continue; }
      // Refused for good: what was taken goes back, once, and the pickup says why.
      await credit(env.DB, [p.id], "pickup_cancel", nowIso());
      await object.recordPickup(row.id, p.id, { kind: "failed", message: booked.message });
      continue;
    }
    await object.recordPickup(row.id, p.id, { kind: "scheduled", confirmation: booked.confirmation });
  }
  if (transient) throw new Error(transient);
}

/**
 * Cancels a scheduled pickup with its carrier, then credits what it cost (once: the ledger's key), then
 * records it cancelled. A request that dies between them is finished by asking again: the carrier's
 * cancel of a cancelled pickup is fine and the credit is made once.
 */
export async function cancelPickup(env: Env, row: BatchRow, pickupId: string): Promise<{ ok: true; row: BatchRow } | { ok: false; code: "not_found" | "invalid_state"; message: string }> {
  const p = storedPickups(row.pickups).find((x) => x.id === pickupId);
  if (!p) return { ok: false, code: "not_found", message: "No such pickup in this batch." };
  if (p.status !== "scheduled") return { ok: false, code: "invalid_state", message: `The pickup is ${p.status}; only a scheduled pickup can be cancelled.` };
  const carrier = carrierFor(env, row.mode, batchBooks(env, row.id));
  const cancelled = await carrier.cancelPickup(requestOf(p), p.provider_id ?? p.id);
  if (!cancelled.ok) return { ok: false, code: "invalid_state", message: `The carrier would not cancel the pickup: ${cancelled.message}` };
  await credit(env.DB, [p.id], "pickup_cancel", nowIso());
  const recorded = found(await batchCalls(env, row.id).recordPickup(row.id, p.id, { kind: "cancelled" }));
  return { ok: true, row: recorded?.row ?? row };
}
