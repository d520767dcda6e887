// The rating queue: live shipments that passed our own checks are rated by the provider (EasyPost
// creates its shipment and answers its rates), here and not in the batch's object, which never calls a
// carrier. Results are written only to shipments still waiting for that rating, then reported to the
// batch's object, which settles the batch once nothing waits.
import { batchCalls, batchObject, found } from "../batch/client";
import { RATE_TTL_MS } from "../batch/validate";
import { carrierFor } from "../carriers";
import { findService } from "../carriers/services";
import type { RatingRequest } from "../carriers/types";
import { declarationOf } from "../batch/customs";
import type { BatchRow } from "../db/batches";
import type { RatingResult, WorkShipment } from "../db/shipments";
import { batchBooks } from "../batch/books";
import { addMs, nowIso } from "../lib/time";
import { insuranceFeeCents } from "../lib/money";
import { refundAtCarrier, voidRefundStatus } from "../money";
import { pick, toStored, type Alternative } from "../carriers/shopping";
import type { ShipmentErrors } from "../schemas/shipment";
import { ratingBackoffSeconds, type ProviderMessage, type RatingMessage, type RefundCheckMessage, type VoidMessage } from "./messages";

/** The batch (null if there is none) and those of the message's shipments still waiting for this very rating. */
async function waiting(env: Env, body: RatingMessage): Promise<{ row: BatchRow | null; rows: WorkShipment[] }> {
  const answer = found(await batchCalls(env, body.batch_id).shipmentsOf(body.batch_id, body.shipment_ids));
  if (!answer) return { row: null, rows: [] };
  return { row: answer.row, rows: answer.shipments.filter((s: WorkShipment) => s.status === "validating" && s.rating_at === body.token) };
}

/** The batch's object writes the ratings to the shipments still waiting for them, and settles the batch. */
async function save(env: Env, batchId: string, results: RatingResult[]) {
  found(await batchCalls(env, batchId).recordRatings(batchId, results));
}

/** The batch as its object holds it, or null. */
async function batchOf(env: Env, batchId: string): Promise<BatchRow | null> {
  return found(await batchCalls(env, batchId).read(null, batchId))?.row ?? null;
}

/**
 * Asks EasyPost how submitted refunds stand, and reports every decided one to the batch's object,
 * which credits a `refunded` one (once) and buys back a `rejected` or `not_applicable` one. One still
 * `submitted` is asked about again by the object's `refunds` timer.
 */
async function checkRefunds(env: Env, msg: Message<ProviderMessage>, body: RefundCheckMessage) {
  const row = await batchOf(env, body.batch_id);
  const carrier = row ? carrierFor(env, row.mode, batchBooks(env, row.id)) : undefined;
  if (!row || !carrier?.refundStatus) return msg.ack();
  const statuses = await carrier.refundStatus(body.shipment_ids);
  const decided = body.shipment_ids.map((id, i) => ({ shipment_id: id, status: statuses[i] }));
  const outcome = await batchObject(env, body.batch_id).recordRefunds(body.batch_id, decided);
  if (!outcome.ok) throw new Error(outcome.message);
  msg.ack();
}

/**
 * Voids a request asked for and never recorded: done at the carrier (a repeat is harmless: the
 * sandbox answers `voided` again, EasyPost a refund already `submitted`) and recorded by the batch's
 * object, which credits a sandbox void at once. A label never sold is simply forgotten.
 */
async function finishVoids(env: Env, msg: Message<ProviderMessage>, body: VoidMessage) {
  const row = await batchOf(env, body.batch_id);
  if (!row) return msg.ack();
  const object = batchObject(env, body.batch_id);
  for (const outcome of await refundAtCarrier(env, row, body.shipment_ids)) {
    const done = outcome.outcome === "not_sold"
      ? await object.abandonVoid(body.batch_id, outcome.key)
      : await object.voidShipment(body.batch_id, outcome.key, voidRefundStatus(outcome));
    if (!done.ok && done.code !== "invalid_state") throw new Error(done.message);
  }
  msg.ack();
}

export async function consumeRatings(batch: MessageBatch<ProviderMessage>, env: Env): Promise<void> {
  await Promise.all(batch.messages.map(async (raw) => {
    if (raw.body.kind === "void") {
      try {
        return await finishVoids(env, raw, raw.body);
      } catch (err) {
        console.warn(`finishing voids of ${raw.body.batch_id} failed: ${(err as Error).message}`);
        return raw.retry({ delaySeconds: ratingBackoffSeconds(raw.attempts) * 10 });
      }
    }
    if (raw.body.kind === "refund_check") {
      try {
        return await checkRefunds(env, raw, raw.body);
      } catch (err) {
        console.warn(`refund check of ${raw.body.shipment_ids.join(", ")} failed: ${(err as Error).message}`);
        return raw.retry({ delaySeconds: ratingBackoffSeconds(raw.attempts) * 10 });
      }
    }
    const msg = raw as Message<RatingMessage>;
    try {
      const { row, rows: found } = await waiting(env, msg.body);
      const carrier = row && carrierFor(env, row.mode, batchBooks(env, row.id));
      const rows = row?.status === "validating" ? found : [];
      if (!rows.length || !carrier?.rateWithProvider) return msg.ack();
      const now = nowIso();
      const requests: RatingRequest[] = rows.map((s) => ({
        from: s.from_address, to: s.to_address, parcel: s.parcel as RatingRequest["parcel"], reference: s.reference, now, customs: declarationOf(s),
      }));
      const ratings = await carrier.rateWithProvider(requests);
      const results: RatingResult[] = [];
      let transient = false;
      ratings.forEach((r, i) => {
        const s = rows[i];
        const base = {
          id: s.id, token: msg.body.token, provider_shipment_id: null, provider_rate_id: null, carrier: s.carrier, service: s.service, rates: null,
          insurance_fee_cents: s.insurance_cents ? insuranceFeeCents(s.insurance_cents) : null, verified_to_address: null,
        };
        const invalid = (errors: ShipmentErrors) => results.push({ ...base, status: "invalid", errors, rate_cents: null, rate_currency: null, rate_expires_at: null });
        if (!r.ok) {
          if (r.transient) transient = true;
          else invalid(r.errors);
          return;
        }
        // Among the provider's own rates: the strategy's pick, or the rate of the shipment's service.
        const allowed = s.service_strategy?.carriers;
        const offered = r.alternatives.filter((a) => !allowed || allowed.some((c) => a.service.startsWith(`${c}_`)));
        let choice: Alternative | undefined;
        if (s.service_strategy) {
          const picked = pick(s.service_strategy, offered, s.parcel.weight_oz ?? 0);
          if (!picked.ok) return invalid({ service: [`${picked.message} (EasyPost's rates)`] });
          choice = picked.choice;
        } else {
          choice = r.alternatives.find((a) => a.service === s.service);
          if (!choice) {
            const spec = findService(s.service)!;
            const why = r.notes.filter((n) => n.carrier === spec.carrier).map((n) => n.message).join("; ");
            return invalid({ service: [`EasyPost offers no ${spec.name} rate for this shipment${why ? `: ${why}` : ""}`] });
          }
        }
        results.push({
          ...base, status: "valid", errors: null, rate_cents: choice.cents, rate_currency: r.currency, rate_expires_at: addMs(now, RATE_TTL_MS),
          provider_shipment_id: r.provider_shipment_id, provider_rate_id: choice.provider_rate_id!,
          service: choice.service, carrier: findService(choice.service)!.carrier, rates: offered.map(toStored), verified_to_address: r.verified_to,
        });
      });
      // Whose the provider's shipments are: its tracker events name them (routes/providers.ts).
      const owned = results.filter((r) => r.provider_shipment_id);
      if (owned.length) {
        await env.DB.prepare(`INSERT INTO provider_shipments (provider_shipment_id, batch_id) SELECT value, ?2 FROM json_each(?1) WHERE true
          ON CONFLICT DO NOTHING`).bind(JSON.stringify(owned.map((r) => r.provider_shipment_id)), msg.body.batch_id).run();
      }
      await save(env, msg.body.batch_id, results);
      // What the provider could not answer now is asked again; what it did answer is kept.
      if (transient) msg.retry({ delaySeconds: ratingBackoffSeconds(msg.attempts) });
      else msg.ack();
    } catch (err) {
      console.warn(`rating ${msg.body.batch_id} failed: ${(err as Error).message}`);
      msg.retry({ delaySeconds: ratingBackoffSeconds(msg.attempts) });
    }
  }));
}

/** Retries ran out: the shipments are invalid with a reason the client can act on (edit to rate again). */
export async function consumeDeadRatings(batch: MessageBatch<ProviderMessage>, env: Env): Promise<void> {
  for (const raw of batch.messages) {
    if (raw.body.kind === "refund_check" || raw.body.kind === "void") {
      // The batch's timers send these again (refunds on their schedule, voids after a grace).
      console.error(`${raw.body.kind} dead-lettered`, JSON.stringify(raw.body));
      raw.ack();
      continue;
    }
    const msg = raw as Message<RatingMessage>;
    const { rows } = await waiting(env, msg.body);
    await save(env, msg.body.batch_id, rows.map((s) => ({
      id: s.id, token: msg.body.token, status: "invalid" as const, rate_cents: null, rate_currency: null, rate_expires_at: null,
      provider_shipment_id: null, provider_rate_id: null, carrier: s.carrier, service: s.service, rates: null,
      insurance_fee_cents: null, verified_to_address: null,
      errors: { shipment: ["EasyPost could not be reached to rate this shipment; edit it (or fix nothing and PATCH it) to try again"] },
    })));
    msg.ack();
  }
}
