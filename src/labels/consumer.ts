import { batchCalls, batchObject, found } from "../batch/client";
import { backgroundTurn } from "../lib/foreground";
import { labelDataOf } from "./data";
import { mergeDocuments } from "./documents";
import { mergeLabels } from "./merge";
import { customsFileKey, fileKey, type LabelFile, type LabelJob, type LabelQueueMessage, type ScanFormJob } from "./messages";
import { batchBooks } from "../batch/books";
import { carrierFor } from "../carriers";
import type { BatchRow } from "../db/batches";
import type { ManifestSource } from "../db/shipments";
import { renderScanForm } from "./scan-form";
import { mergeCustomsForms, type CustomsDocument } from "./customs-form";
import { customsDocumentKey } from "../purchase/messages";
import { schedulePickups } from "../pickups/work";
import type { TrackingSweepJob } from "./messages";
import { storedScanForms, type ScanFormWrite, type StoredScanForm } from "./scan-forms";

/**
 * The label queue: each message is one merged file. Files are rendered one after another so an
 * invocation never holds more than one file's labels, and each is reported to its batch's object as
 * soon as it is written (so it appears in `labels` at once). Several files an invocation spare the
 * queue's per-delivery overhead, which in `wrangler dev` made the tail of a 10,000 batch wait.
 */
export async function consumeLabelJobs(batch: MessageBatch<LabelQueueMessage>, env: Env): Promise<void> {
  for (const raw of batch.messages) {
    if (raw.body.kind === "scan_forms") {
      await scanForms(env, raw as Message<ScanFormJob>);
      continue;
    }
    const body = raw.body;
    if (body.kind === "tracking_sweep") {
      await settle(raw, "tracking sweep", () => sweepTrackers(env, body), 300);
      continue;
    }
    if (body.kind === "pickups") {
      await settle(raw, "pickups", () => schedulePickups(env, body), 60);
      continue;
    }
    const msg = raw as Message<LabelJob>;
    const job = msg.body;
    let file: LabelFile;
    try {
      const range = found(await batchCalls(env, job.batch_id).purchasedInRange(job.batch_id, job.first_position, job.last_position));
      // A batch that is not there has no file to write: the message is done.
      if (!range) {
        msg.ack();
        continue;
      }
      const shipments = range.shipments;
      file = {
        n: job.n, format: job.format, layout: job.layout, count: shipments.length,
        first_position: shipments[0]?.position ?? job.first_position, last_position: shipments.at(-1)?.position ?? job.last_position, key: "",
      };
      if (shipments.length) {
        // Live labels are the provider's documents; sandbox labels are drawn from what was bought.
        const live = range.row.mode === "live";
        const merged = live
          ? await mergeDocuments(env, shipments, job.format, job.layout, backgroundTurn)
          : await mergeLabels(shipments.map((s) => labelDataOf(s, s.tracking_number!, s.purchased_at!)), job.format, job.layout, backgroundTurn);
        file.key = fileKey(job.batch_id, job.n, merged.ext);
        await env.LABELS.put(file.key, merged.bytes, { httpMetadata: { contentType: merged.contentType } });
        if (job.customs) {
          // One customs document an international shipment of this file, merged in the same order.
          const docs = shipments.map((s) => labelDataOf(s, s.tracking_number!, s.purchased_at!))
            .map((l, i) => ({ ...l, position: shipments[i].position }))
            .filter((l): l is CustomsDocument => !!l.customs);
          if (docs.length) {
            const key = customsFileKey(job.batch_id, job.n);
            // Live: the provider's own customs document where it made one (UPS and FedEx abroad), ours otherwise.
            const provided = live ? await providerCustomsDocuments(env, shipments.filter((s) => docs.some((d) => d.position === s.position))) : new Map();
            await env.LABELS.put(key, await mergeCustomsForms(docs, backgroundTurn, provided), { httpMetadata: { contentType: "application/pdf" } });
            file.customs = { key, count: docs.length, first_position: docs[0].position, last_position: docs.at(-1)!.position };
          }
        }
      }
    } catch (err) {
      console.warn(`label file ${job.batch_id}/${job.n} failed: ${(err as Error).message}`);
      msg.retry({ delaySeconds: Math.min(60, 2 ** msg.attempts) });
      continue;
    }
    try {
      await batchObject(env, job.batch_id).recordLabelFiles(job.batch_id, [file]);
      msg.ack();
    } catch (err) {
      console.warn(`reporting label file ${job.batch_id}/${job.n} failed: ${(err as Error).message}`);
      msg.retry({ delaySeconds: Math.min(60, 2 ** msg.attempts) });
    }
  }
}

/** Runs one message's work: acked when done, retried with backoff (2, 4, 8 … s, `maxDelay` at most) when it throws. */
async function settle(msg: Message<unknown>, what: string, work: () => Promise<void>, maxDelay: number) {
  try {
    await work();
    msg.ack();
  } catch (err) {
    console.warn(`${what} of ${(msg.body as { batch_id: string }).batch_id} failed: ${(err as Error).message}`);
    msg.retry({ delaySeconds: Math.min(maxDelay, 2 ** msg.attempts) });
  }
}

/** Live trackers quiet for a day: EasyPost is asked about each, and what is newer is applied (never backwards). */
async function sweepTrackers(env: Env, job: TrackingSweepJob) {
  const answer = found(await batchCalls(env, job.batch_id).shipmentsOf(job.batch_id, job.shipment_ids));
  if (!answer || answer.row.mode !== "live") return;
  const carrier = carrierFor(env, "live", batchBooks(env, job.batch_id));
  const items = answer.shipments.filter((s) => s.status === "purchased" && s.provider_shipment_id)
    .map((s) => ({ provider_shipment_id: s.provider_shipment_id!, tracker_id: s.tracking?.tracker_id ?? null }));
  if (!items.length || !carrier.trackers) return;
  const trackers = await carrier.trackers(items);
  if (trackers.length) found(await batchCalls(env, job.batch_id).applyProviderTrackers(job.batch_id, trackers));
}

/** The provider's customs documents kept at purchase, by position (shipments without one are absent). */
async function providerCustomsDocuments(env: Env, shipments: readonly { position: number; label_key: string | null }[]): Promise<Map<number, Uint8Array>> {
  const out = new Map<number, Uint8Array>();
  for (const s of shipments) {
    if (!s.label_key) continue;
    const object = await env.LABELS.get(customsDocumentKey(s.label_key));
    if (object) out.set(s.position, new Uint8Array(await object.arrayBuffer()));
  }
  return out;
}

/** A form the provider is still making is asked about again after 2, 4, 8 … seconds, a minute at most. */
export const scanFormFollowSeconds = (follows: number) => Math.min(60, 2 ** (follows + 1));

/**
 * Writes the batch's SCAN forms still listed and `generating`, each reported to the batch's object. A
 * form the provider makes later is followed by a new message after a short delay (and, if that is
 * lost, by the object's labels timer); a failed one is recorded with the provider's reason, never re-sent.
 */
async function scanForms(env: Env, msg: Message<ScanFormJob>) {
  try {
    const manifest = found(await batchCalls(env, msg.body.batch_id).manifest(msg.body.batch_id));
    const row = manifest?.row;
    const forms = storedScanForms(row?.scan_form).filter((f) => f.status === "generating" && msg.body.form_ids.includes(f.id));
    if (!manifest || !row || !forms.length) return msg.ack();
    const rows = manifest.rows;
    const following: string[] = [];
    const object = batchObject(env, row.id);
    for (const form of forms) {
      const written = await writeScanForm(env, row, form, rows, async () => {
        const marked = await object.markScanFormPosted(row.id, form.id);
        if (!marked.ok) throw new Error(marked.message);
      });
      await object.recordScanForm(row.id, form.id, written);
      if (written.status === "generating") following.push(form.id);
      await backgroundTurn();
    }
    if (following.length) {
      const follows = (msg.body.follows ?? 0) + 1;
      await env.LABEL_QUEUE.send({ kind: "scan_forms", batch_id: row.id, form_ids: following, follows } satisfies ScanFormJob, { delaySeconds: scanFormFollowSeconds(follows - 1) });
    }
    msg.ack();
  } catch (err) {
    console.warn(`scan forms of ${msg.body.batch_id} failed: ${(err as Error).message}`);
    msg.retry({ delaySeconds: Math.min(60, 2 ** msg.attempts) });
  }
}

/**
 * Writes one manifest: the provider's for live batches, ours for test ones. `beforePost` records that a
 * provider POST may go out, so a crash after it is looked up instead of posting again.
 */
async function writeScanForm(env: Env, batch: BatchRow, form: StoredScanForm, rows: readonly ManifestSource[], beforePost: () => Promise<void>): Promise<ScanFormWrite> {
  const group = form.shipment_ids
    ? rows.filter((r) => form.shipment_ids!.includes(r.id))
    : rows.filter((r) => r.carrier === form.carrier && r.from_address === form.origin);
  const carrier = carrierFor(env, batch.mode, batchBooks(env, batch.id));
  if (carrier.scanForm) {
    if (!form.provider_id && !form.posted) await beforePost();
    const made = await carrier.scanForm(group.length ? group.map((r) => r.id) : form.shipment_ids ?? [], { provider_id: form.provider_id ?? null, posted: Boolean(form.posted) });
    if (made.status !== "ready") return { status: made.status, provider_id: made.provider_id ?? undefined, message: made.status === "failed" ? made.message : undefined };
    await env.LABELS.put(form.key, made.pdf, { httpMetadata: { contentType: "application/pdf" } });
    return { status: "ready", provider_id: made.provider_id };
  }
  if (!group.length) throw new Error(`scan form ${form.id} has no shipments left`);
  const pdf = await renderScanForm({
    id: form.id, batch_id: batch.id, shipper: JSON.parse(group[0].from_address), date: form.created_at.slice(0, 10),
    rows: group.map((r) => ({ position: r.position, tracking_number: r.tracking_number, service: r.service, weight_oz: r.weight_oz, cents: r.cents })),
  });
  await env.LABELS.put(form.key, pdf, { httpMetadata: { contentType: "application/pdf" } });
  return { status: "ready" };
}
