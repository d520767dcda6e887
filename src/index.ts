import { buildApp } from "./app";
import { consumePurchases } from "./purchase/consumer";
import { consumeDeadPurchases } from "./purchase/dead-letter";
import type { PurchaseMessage } from "./purchase/messages";
import { consumeLabelJobs } from "./labels/consumer";
import type { LabelJob } from "./labels/messages";

export { BatchObject } from "./batch/object";

const app = buildApp();

export default {
  fetch: app.fetch,
  async queue(batch: MessageBatch, env: Env): Promise<void> {
    // Production queue names may carry an environment suffix; route by the base name.
    const name = batch.queue.replace(/-(staging|production)$/, "");
    if (name === "batch-purchases") return consumePurchases(batch as MessageBatch<PurchaseMessage>, env);
    if (name === "batch-purchases-dlq") return consumeDeadPurchases(batch as MessageBatch<PurchaseMessage>, env);
    if (name === "batch-labels") return consumeLabelJobs(batch as MessageBatch<LabelJob>, env);
    // A label file that kept failing: the batch's alarm notices the missing file and writes it again.
    if (name === "batch-labels-dlq") {
      for (const m of batch.messages) console.error("label job dead-lettered", JSON.stringify(m.body));
      return batch.ackAll();
    }
    // The webhook consumer arrives with its issue; until then a message is retried and ends in its
    // dead-letter queue rather than being acknowledged unread.
    throw new Error(`No consumer for queue ${batch.queue}`);
  },
} satisfies ExportedHandler<Env>;
