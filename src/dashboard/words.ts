// What the dashboard says instead of the API's identifiers: statuses as phrases, counts as words, and
// carrier and service names as /v1/carriers gives them ("USPS Priority Mail" for usps_priority).
import { useEffect, useState } from "preact/hooks";
import { call, type Carrier, type Client } from "./api";

export const STATUS_WORDS: Record<string, string> = {
  validating: "Validating", invalid: "Needs fixes", ready: "Ready to buy", purchasing: "Buying labels",
  generating_labels: "Writing label files", completed: "Completed", purchase_failed: "Purchase failed",
  timed_out: "Timed out", cancelled: "Cancelled", expired: "Expired",
  valid: "Valid", queued: "Queued to buy", purchased: "Bought", voided: "Voided",
};

export const COUNT_WORDS: Record<string, string> = {
  total: "Shipments", validating: "Validating", valid: "Valid", invalid: "Need fixes", queued: "Queued to buy",
  purchased: "Bought", purchase_failed: "Failed to buy", voided: "Voided",
};

export const REFUND_WORDS: Record<string, string> = {
  submitted: "Refund asked for; credited once the carrier refunds it", refunded: "Refunded and credited",
  rejected: "Refund rejected by the carrier (not credited)", not_applicable: "No refund for this label",
};

export const STRATEGY_WORDS: Record<string, string> = { cheapest: "Cheapest service", fastest: "Fastest service" };

export const statusWord = (status: string) => STATUS_WORDS[status] ?? status.replace(/_/g, " ");

export type ServiceNames = { services: Carrier["services"]; service: (id: string | null | undefined) => string; carrier: (id: string) => string };

const cache = new WeakMap<Client, Promise<Carrier[]>>();

/** The account's carriers and services, asked once per signed-in client, as names to show. */
export function useServiceNames(client: Client): ServiceNames {
  const [carriers, setCarriers] = useState<Carrier[]>([]);
  useEffect(() => {
    let promise = cache.get(client);
    if (!promise) {
      promise = call(client.GET("/v1/carriers")).then((r) => r.data);
      cache.set(client, promise);
      promise.catch(() => cache.delete(client));
    }
    let live = true;
    promise.then((c) => { if (live) setCarriers(c); }).catch(() => {});
    return () => { live = false; };
  }, [client]);
  const services = carriers.flatMap((c) => c.services);
  return {
    services,
    service: (id) => (!id ? "" : services.find((s) => s.id === id)?.name ?? STRATEGY_WORDS[id] ?? id),
    carrier: (id) => carriers.find((c) => c.id === id)?.name ?? id.toUpperCase(),
  };
}
