import { sha256Bytes } from "../../lib/hash";
import type { CarrierAdapter, PickupRequest, PurchaseOutcome, PurchaseRequest } from "../types";
import type { CarrierId } from "../services";
import { mod10Check } from "./tracking";
import { labelZone, sandboxRate } from "./rates";
import { trackingNumber } from "./tracking";

export type SandboxSwitches = { declineRate: number; transientRate: number; latencyMs: number };

export function switchesFrom(env: Env): SandboxSwitches {
  const num = (v: string | undefined) => (Number.isFinite(Number(v)) ? Number(v) : 0);
  return { declineRate: num(env.SANDBOX_DECLINE_RATE), transientRate: num(env.SANDBOX_TRANSIENT_ERROR_RATE), latencyMs: num(env.SANDBOX_LATENCY_MS) };
}

/** A number in [0, 1) from the key, so injected failures repeat for the same shipment and attempt. */
function draw(key: string): number {
  const h = sha256Bytes(key);
  return ((h[0] << 16) | (h[1] << 8) | h[2]) / 2 ** 24;
}

/**
 * The test-mode carrier: real rules, deterministic rates, real tracking numbers, and its own books in
 * D1 so a repeated idempotency key returns the label already bought. A shipment whose `reference`
 * contains `sandbox:decline` or `sandbox:transient` gets that outcome; the SANDBOX_* variables inject
 * them at random rates.
 */
export function sandboxCarrier(db: D1Database, switches: SandboxSwitches): CarrierAdapter {
  return {
    rate: sandboxRate,
    async quotePickup(req: PickupRequest) {
      if (req.instructions?.includes("sandbox:decline")) return { ok: false as const, transient: false, message: "No pickup is available at this address in that window (sandbox)" };
      return { ok: true as const, provider_id: req.id, cents: SANDBOX_PICKUP_PRICE[req.carrier] };
    },
    async buyPickup(req: PickupRequest) {
      return { ok: true as const, confirmation: pickupConfirmation(req.carrier, req.id) };
    },
    async cancelPickup() {
      return { ok: true as const };
    },
    async purchase(requests: readonly PurchaseRequest[]): Promise<PurchaseOutcome[]> {
      if (switches.latencyMs > 0) await new Promise((r) => setTimeout(r, switches.latencyMs));
      const { results } = await db.prepare("SELECT idempotency_key, tracking_number FROM sandbox_labels WHERE idempotency_key IN (SELECT value FROM json_each(?))")
        .bind(JSON.stringify(requests.map((r) => r.idempotency_key))).all<{ idempotency_key: string; tracking_number: string }>();
      const bought = new Map(results.map((r) => [r.idempotency_key, r.tracking_number]));
      const now = new Date().toISOString();
      const outcomes = requests.map((req): PurchaseOutcome => {
        const key = req.idempotency_key;
        if (!bought.has(key)) {
          // A draw costs a SHA-256; at a rate of 0 (the default) it is skipped, leaving one hash a label
          // (its tracking number) instead of three on the isolate that also answers clients.
          if (req.reference?.includes("sandbox:transient") || (switches.transientRate > 0 && draw(`${key}:t:${req.attempt}`) < switches.transientRate)) {
            return { ok: false, transient: true, message: "Sandbox carrier timed out (injected)" };
          }
          if (req.reference?.includes("sandbox:decline") || (switches.declineRate > 0 && draw(`${key}:d`) < switches.declineRate)) {
            return { ok: false, transient: false, message: "Declined by carrier: address not serviceable (sandbox)" };
          }
        }
        const tracking = bought.get(key) ?? trackingNumber(req.service.carrier, req.service.id, key);
        return {
          ok: true, tracking_number: tracking,
          label: {
            tracking_number: tracking, carrier: req.service.carrier, service: req.service.id, service_name: req.service.name,
            from: req.from, to: req.to, weight_oz: req.parcel.weight_oz, zone: labelZone(req.from, req.to),
            ship_date: now.slice(0, 10), reference: req.reference, customs: req.customs ?? null,
          },
        };
      });
      const fresh = requests.map((r, i) => ({ r, o: outcomes[i] })).filter(({ r, o }) => o.ok && !bought.has(r.idempotency_key));
      if (fresh.length) {
        // Two deliveries racing: ON CONFLICT keeps the first record; the number is the same anyway.
        await db.prepare(
          `INSERT INTO sandbox_labels (idempotency_key, carrier, service, tracking_number, created_at)
           SELECT json_extract(value, '$.k'), json_extract(value, '$.c'), json_extract(value, '$.s'), json_extract(value, '$.t'), ?2
           FROM json_each(?1) WHERE true ON CONFLICT DO NOTHING`,
        ).bind(JSON.stringify(fresh.map(({ r, o }) => ({ k: r.idempotency_key, c: r.service.carrier, s: r.service.id, t: o.ok && o.tracking_number }))), now).run();
      }
      return outcomes;
    },
    async void(keys: readonly string[]) {
      if (!keys.length) return [];
      const { results } = await db.prepare(
        `UPDATE sandbox_labels SET voided_at = COALESCE(voided_at, ?2) WHERE idempotency_key IN (SELECT value FROM json_each(?1))
         RETURNING idempotency_key`,
      ).bind(JSON.stringify(keys), new Date().toISOString()).all<{ idempotency_key: string }>();
      const sold = new Set(results.map((r) => r.idempotency_key));
      return keys.map((key) => ({ key, outcome: sold.has(key) ? "voided" as const : "not_sold" as const }));
    },
  };
}

/** What the sandbox carrier asks for a pickup: USPS Package Pickup is free; UPS and FedEx charge per pickup. */
export const SANDBOX_PICKUP_PRICE: Readonly<Record<CarrierId, number>> = { usps: 0, ups: 820, fedex: 500 };

/**
 * A confirmation in each carrier's shape, fixed for the pickup: USPS `WTC` and 8 digits (as EasyPost's
 * recorded USPS pickups show), a UPS pickup request number of 11 letters and digits (the last a check),
 * a FedEx confirmation of its location code and 4 digits.
 */
export function pickupConfirmation(carrier: CarrierId, id: string): string {
  const h = sha256Bytes(`pickup:${id}`);
  const digits = (n: number, from = 0) => Array.from({ length: n }, (_, i) => h[(from + i) % 32] % 10).join("");
  if (carrier === "usps") return `WTC${digits(8)}`;
  if (carrier === "ups") {
    const body = `29${digits(7, 8)}`;
    return `${body}C${mod10Check(body)}`;
  }
  const LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ";
  return `${Array.from({ length: 4 }, (_, i) => LETTERS[h[16 + i] % LETTERS.length]).join("")}${digits(4, 20)}`;
}
