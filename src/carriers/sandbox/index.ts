import { TransientCarrierError, type CarrierAdapter, type PurchaseRequest } from "../types";
import { sandboxRate, zoneBetween } from "./rates";
import { trackingNumber } from "./tracking";

export type SandboxSwitches = { declineRate: number; transientRate: number; latencyMs: number };

export function switchesFrom(env: Env): SandboxSwitches {
  const num = (v: string | undefined) => (Number.isFinite(Number(v)) ? Number(v) : 0);
  return { declineRate: num(env.SANDBOX_DECLINE_RATE), transientRate: num(env.SANDBOX_TRANSIENT_ERROR_RATE), latencyMs: num(env.SANDBOX_LATENCY_MS) };
}

/** A number in [0, 1) from the key, so injected failures repeat for the same shipment and attempt. */
async function draw(key: string): Promise<number> {
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  return ((h[0] << 16) | (h[1] << 8) | h[2]) / 2 ** 24;
}

/**
 * The test-mode carrier: real rules, deterministic rates, real tracking numbers, and its own books in
 * D1 so a repeated idempotency key returns the label already bought. A shipment's `reference` can ask
 * for an outcome: containing `sandbox:decline` or `sandbox:transient` forces that result.
 */
export function sandboxCarrier(db: D1Database, switches: SandboxSwitches, attempt = 1): CarrierAdapter {
  return {
    rate: sandboxRate,
    async purchase(key: string, req: PurchaseRequest) {
      if (switches.latencyMs > 0) await new Promise((r) => setTimeout(r, switches.latencyMs));
      const existing = await db.prepare("SELECT tracking_number FROM sandbox_labels WHERE idempotency_key = ? AND voided_at IS NULL")
        .bind(key).first<{ tracking_number: string }>();
      if (!existing) {
        if (req.reference?.includes("sandbox:transient") || (await draw(`${key}:t:${attempt}`)) < switches.transientRate) {
          throw new TransientCarrierError("Sandbox carrier timed out (injected)");
        }
        if (req.reference?.includes("sandbox:decline") || (await draw(`${key}:d`)) < switches.declineRate) {
          return { ok: false as const, message: "Declined by carrier: address not serviceable (sandbox)" };
        }
      }
      const tracking = existing?.tracking_number ?? (await trackingNumber(req.service.carrier, req.service.id, key));
      // Two deliveries racing: the insert keeps the first, both read back the same number.
      await db.prepare("INSERT INTO sandbox_labels (idempotency_key, carrier, service, tracking_number, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(key, req.service.carrier, req.service.id, tracking, new Date().toISOString()).run();
      return {
        ok: true as const, tracking_number: tracking,
        label: {
          tracking_number: tracking, carrier: req.service.carrier, service: req.service.id, service_name: req.service.name,
          from: req.from, to: req.to, weight_oz: req.parcel.weight_oz, zone: zoneBetween(req.from.zip!, req.to.zip!),
          ship_date: new Date().toISOString().slice(0, 10), reference: req.reference,
        },
      };
    },
    async void(key: string) {
      await db.prepare("UPDATE sandbox_labels SET voided_at = ? WHERE idempotency_key = ? AND voided_at IS NULL").bind(new Date().toISOString(), key).run();
    },
  };
}
