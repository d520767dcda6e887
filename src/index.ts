import { buildApp } from "./app";

export { BatchObject } from "./batch/object";

const app = buildApp();

export default {
  fetch: app.fetch,
  async queue(batch: MessageBatch, _env: Env): Promise<void> {
    // Purchase, label and webhook consumers arrive with their issues; until then a message is retried
    // and ends in its dead-letter queue rather than being acknowledged unread.
    throw new Error(`No consumer for queue ${batch.queue}`);
  },
} satisfies ExportedHandler<Env>;
