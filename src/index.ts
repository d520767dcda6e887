import { buildApp } from "./app";
import { consumePurchases } from "./purchase/consumer";
import { consumeDeadPurchases } from "./purchase/dead-letter";
import type { PurchaseMessage } from "./purchase/messages";
import { consumeLabelJobs } from "./labels/consumer";
import { consumeDeadRatings, consumeRatings } from "./rating/consumer";
import type { ProviderMessage } from "./rating/messages";
import type { LabelQueueMessage } from "./labels/messages";
import { consumeDeadWebhooks, consumeWebhooks, sweepWebhooks } from "./webhooks/consumer";
import type { WebhookMessage } from "./webhooks/messages";

export { BatchObject } from "./batch/object";
import { counted, counters, countingOn, resetCounters } from "./lib/capacity";

const app = buildApp();

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    // `npm run capacity` only: the counters, read and reset over HTTP (CAPACITY_COUNTERS=1, never deployed).
    if (countingOn(env) && new URL(request.url).pathname === "/__capacity") {
      const body = JSON.stringify(counters);
      if (new URL(request.url).searchParams.has("reset")) resetCounters();
      return new Response(body, { headers: { "content-type": "application/json" } });
    }
    return app.fetch(request, counted(env), ctx);
  },
  async queue(batch: MessageBatch, rawEnv: Env): Promise<void> {
    const env = counted(rawEnv);
    // Production queue names may carry an environment suffix; route by the base name.
    const name = batch.queue.replace(/-(staging|production)$/, "");
    if (name === "batch-purchases") return consumePurchases(batch as MessageBatch<PurchaseMessage>, env);
    if (name === "batch-purchases-dlq") return consumeDeadPurchases(batch as MessageBatch<PurchaseMessage>, env);
    if (name === "batch-rates") return consumeRatings(batch as MessageBatch<ProviderMessage>, env);
    if (name === "batch-rates-dlq") return consumeDeadRatings(batch as MessageBatch<ProviderMessage>, env);
    if (name === "batch-labels") return consumeLabelJobs(batch as MessageBatch<LabelQueueMessage>, env);
    // A label file that kept failing: the batch's alarm notices the missing file and writes it again.
    if (name === "batch-labels-dlq") {
      for (const m of batch.messages) console.error("label job dead-lettered", JSON.stringify(m.body));
      return batch.ackAll();
    }
    if (name === "batch-webhooks") return consumeWebhooks(batch as MessageBatch<WebhookMessage>, env);
    if (name === "batch-webhooks-dlq") return consumeDeadWebhooks(batch as MessageBatch<WebhookMessage>, env);
    throw new Error(`No consumer for queue ${batch.queue}`);
  },
  // The cron trigger (wrangler.toml [triggers]): webhook fan-outs and deliveries lost with the queue are sent again.
  async scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(sweepWebhooks(counted(env)));
  },
} satisfies ExportedHandler<Env>;
