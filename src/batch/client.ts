// How the HTTP side reaches a batch: find it within the account, then ask its Durable Object to act.
import type { Context } from "hono";
import { findBatch, type BatchRow } from "../db/batches";
import type { AppEnv } from "../http/context";
import { ApiError, notFound } from "../http/errors";
import type { Outcome } from "./object";

export const batchObject = (env: Env, batchId: string) => env.BATCH.get(env.BATCH.idFromName(batchId));

export async function ownedBatch(c: Context<AppEnv>, idOrReference: string): Promise<BatchRow> {
  const row = await findBatch(c.env.DB, c.get("account").id, idOrReference);
  if (!row) throw notFound("batch");
  return row;
}

/** The DO answers refusals as values (errors lose their fields crossing RPC); turn them into ApiErrors. */
export function unwrap<T extends object>(outcome: Outcome<T>): Extract<Outcome<T>, { ok: true }> {
  if (!outcome.ok) throw new ApiError(outcome.code, outcome.message, outcome.details);
  return outcome as Extract<Outcome<T>, { ok: true }>;
}
