// How the HTTP side reaches a batch: find it within the account, ask its Durable Object to act, and
// present what comes back.
import type { Context } from "hono";
import { findBatch, getBatchById, selectBatch, type BatchRef, type BatchRow } from "../db/batches";
import { readShipmentPage, shipmentPage, type PageFilter, type ShipmentRecord } from "../db/shipments";
import type { AppEnv } from "../http/context";
import { ApiError, notFound } from "../http/errors";
import { linkerFor } from "../labels/links";
import type { Outcome } from "./object";
import { toBatchSummary, toShipment, toStreamToken } from "./present";

export const batchObject = (env: Env, batchId: string) => env.BATCH.get(env.BATCH.idFromName(batchId));

export async function ownedBatch(c: Context<AppEnv>, idOrReference: string): Promise<BatchRow> {
  const row = await findBatch(c.env.DB, c.get("account").id, idOrReference);
  if (!row) throw notFound("batch");
  return row;
}

/** A batch and one page of its shipments in one D1 round trip: what a polling client asks for. */
export async function batchWithShipments(c: Context<AppEnv>, ref: BatchRef, f: PageFilter) {
  const db = c.env.DB;
  const [batch, rows, total] = await db.batch([selectBatch(db, ref), ...shipmentPage(db, ref, f)]);
  const row = batch.results[0] as BatchRow | undefined;
  if (!row) throw notFound("batch");
  return { row, ...readShipmentPage(rows, total) };
}

/** For downloads and the stream: a valid signature stands in for the key, and names the batch by id only. */
export async function batchByKeyOrLink(c: Context<AppEnv>, id: string): Promise<BatchRow> {
  const row = c.get("signed") ? await getBatchById(c.env.DB, id) : await findBatch(c.env.DB, c.get("account").id, id);
  if (!row) throw notFound("batch");
  return row;
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
