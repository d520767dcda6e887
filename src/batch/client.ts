// How the HTTP side reaches a batch: find it within the account, ask its Durable Object to act, and
// present what comes back.
import type { Context } from "hono";
import { newestWithReference, type BatchRow } from "../db/batches";
import type { PageFilter, ShipmentRecord } from "../db/shipments";
import type { AppEnv } from "../http/context";
import { ApiError, notFound } from "../http/errors";
import { linkerFor } from "../labels/links";
import type { BatchObject, Outcome } from "./object";
import { toBatchSummary, toShipment, toStreamToken } from "./present";

export const batchObject = (env: Env, batchId: string) => env.BATCH.get(env.BATCH.idFromName(batchId));

/** The batch's object typed as its class declares its methods (what crosses RPC has the same shapes). */
export const batchCalls = (env: Env, batchId: string) => batchObject(env, batchId) as unknown as Pick<BatchObject,
  "read" | "shipment" | "shipmentsOf" | "purchasedInRange" | "manifest" | "books" | "markBuyStarted" | "noteVoided" | "recordRatings" | "recordPickup" | "requestPickups" | "applyProviderTrackers">;

const BATCH_ID = /^batch_[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * The account's batch named by its id, else its newest batch with that reference, as its object holds
 * it, with one page of its shipments when asked (read together, as one snapshot). An id goes
 * straight to the batch's object; a reference is looked up in D1's summary rows first.
 */
export async function batchWithShipments(c: Context<AppEnv>, idOrReference: string, page?: PageFilter) {
  const owner = c.get("account").id;
  const withRows = <T extends { rows_json: string }>(a: T) => ({ ...a, rows: JSON.parse(a.rows_json) as ShipmentRecord[] });
  if (BATCH_ID.test(idOrReference)) {
    const answer = found(await batchCalls(c.env, idOrReference).read(owner, idOrReference, page));
    if (answer) return withRows(answer);
  }
  const id = await newestWithReference(c.env.DB, owner, idOrReference);
  const answer = id ? found(await batchCalls(c.env, id).read(owner, id, page)) : null;
  if (!answer) throw notFound("batch");
  return withRows(answer);
}

export async function ownedBatch(c: Context<AppEnv>, idOrReference: string): Promise<BatchRow> {
  return (await batchWithShipments(c, idOrReference)).row;
}

/** For downloads and the stream: a valid signature stands in for the key, and names the batch by id only. */
export async function batchByKeyOrLink(c: Context<AppEnv>, id: string): Promise<BatchRow> {
  if (!c.get("signed")) return ownedBatch(c, id);
  const answer = found(await batchCalls(c.env, id).read(null, id));
  if (!answer) throw notFound("batch");
  return answer.row;
}

/** One shipment of a batch found as `batchByKeyOrLink` finds it. */
export async function shipmentByKeyOrLink(c: Context<AppEnv>, batchId: string, shipmentId: string): Promise<ShipmentRecord> {
  const row = await batchByKeyOrLink(c, batchId);
  const answer = found(await batchCalls(c.env, row.id).shipment(null, row.id, shipmentId));
  if (!answer) throw notFound("shipment");
  return answer.shipment;
}

/**
 * A consumer's (or a carrier's) read of a batch: the answer, or null when the batch or shipment is not
 * there (a late message); any other refusal throws, so the message is retried.
 */
export function found<T extends object>(outcome: Outcome<T>): Extract<Outcome<T>, { ok: true }> | null {
  if (outcome.ok) return outcome as Extract<Outcome<T>, { ok: true }>;
  if (outcome.code === "not_found") return null;
  throw new Error(outcome.message);
}

/** The DO answers refusals as values (errors lose their fields crossing RPC); turn them into ApiErrors. */
export function unwrap<T extends object>(outcome: Outcome<T>): Extract<Outcome<T>, { ok: true }> {
  if (!outcome.ok) throw new ApiError(outcome.code, outcome.message, outcome.details);
  return outcome as Extract<Outcome<T>, { ok: true }>;
}

const linker = (c: Context<AppEnv>) => linkerFor(c.env, new URL(c.req.url).origin);
export const presentBatch = (c: Context<AppEnv>, row: BatchRow) => toBatchSummary(row, linker(c));
/** A shipment on the wire; `rates` on single shipments, and on lists that ask with `include=rates`. */
export const presentShipment = (c: Context<AppEnv>, s: ShipmentRecord, includeRates = true) => toShipment(s, linker(c), includeRates);
export const presentStreamToken = (c: Context<AppEnv>, batchId: string) => toStreamToken(batchId, linker(c));
