import { batchObject } from "../batch/client";
import { getBatchById } from "../db/batches";
import { purchasedInRange } from "../db/shipments";
import { backgroundTurn } from "../lib/foreground";
import { labelDataOf } from "./data";
import { mergeDocuments } from "./documents";
import { mergeLabels } from "./merge";
import { fileKey, type LabelFile, type LabelJob, type LabelQueueMessage, type ScanFormJob } from "./messages";
import { storedScanForms, writeScanForm } from "./scan-forms";
import { manifestRows } from "../db/shipments";

/**
 * The label queue: each message is one merged file. Files are rendered one after another so an
 * invocation never holds more than one file's labels, and reported to the batch's object together.
 */
export async function consumeLabelJobs(batch: MessageBatch<LabelQueueMessage>, env: Env): Promise<void> {
  const written = new Map<string, { msgs: Message<LabelJob>[]; files: LabelFile[] }>();
  for (const raw of batch.messages) {
    if (raw.body.kind === "scan_forms") {
      await scanForms(env, raw as Message<ScanFormJob>);
      continue;
    }
    const msg = raw as Message<LabelJob>;
    const job = msg.body;
    try {
      const shipments = await purchasedInRange(env.DB, job.batch_id, job.first_position, job.last_position);
      const file: LabelFile = {
        n: job.n, format: job.format, layout: job.layout, count: shipments.length,
        first_position: shipments[0]?.position ?? job.first_position, last_position: shipments.at(-1)?.position ?? job.last_position, key: "",
      };
      if (shipments.length) {
        // Live labels are the provider's documents; sandbox labels are drawn from what was bought.
        const live = (await getBatchById(env.DB, job.batch_id))?.mode === "live";
        const merged = live
          ? await mergeDocuments(env, shipments, job.format, job.layout, backgroundTurn)
          : await mergeLabels(shipments.map((s) => labelDataOf(s, s.tracking_number!, s.purchased_at!)), job.format, job.layout, backgroundTurn);
        file.key = fileKey(job.batch_id, job.n, merged.ext);
        await env.LABELS.put(file.key, merged.bytes, { httpMetadata: { contentType: merged.contentType } });
      }
      const entry = written.get(job.batch_id) ?? { msgs: [], files: [] };
      entry.msgs.push(msg);
      entry.files.push(file);
      written.set(job.batch_id, entry);
    } catch (err) {
      console.warn(`label file ${job.batch_id}/${job.n} failed: ${(err as Error).message}`);
      msg.retry({ delaySeconds: Math.min(60, 2 ** msg.attempts) });
    }
  }
  await Promise.all([...written].map(async ([batchId, e]) => {
    try {
      await batchObject(env, batchId).recordLabelFiles(batchId, e.files);
      for (const m of e.msgs) m.ack();
    } catch (err) {
      console.warn(`reporting label files to ${batchId} failed: ${(err as Error).message}`);
      for (const m of e.msgs) m.retry({ delaySeconds: Math.min(60, 2 ** m.attempts) });
    }
  }));
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
    const row = await getBatchById(env.DB, msg.body.batch_id);
    const forms = storedScanForms(row?.scan_form).filter((f) => f.status === "generating" && msg.body.form_ids.includes(f.id));
    if (!row || !forms.length) return msg.ack();
    const rows = await manifestRows(env.DB, row.id);
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
