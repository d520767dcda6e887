// Events reach webhooks through the queue. An event is kept in the object's SQLite with the change it
// reports (pending_events), written to D1 by the object's `sync`, and only then announced: the queue
// send can fail, or the object can die in between. So the object notes each event id in its own
// storage once D1 has it and strikes it once the queue has it; its `announce` timer sends whatever is
// still noted (and D1's minute sweep, whatever no fan-out took). A send that succeeded but was not
// struck is sent again, which webhooks allow (at least once, same `webhook-id`).
import type { WebhookMessage } from "../webhooks/messages";
import type { BatchStorage } from "./storage";
import type { TimerTable } from "./timers";

const SEND_BATCH = 100; // Queues accept at most 100 messages a sendBatch.
const EVENTS_A_MESSAGE = 100;
// Up to this many owed at once go one a message (a batch's own events); more (a page of tracking changes) are grouped.
const FEW_EVENTS = 10;
/** How soon the alarm tries again after a send that did not happen. */
export const ANNOUNCE_RETRY_MS = 30_000;

export const unannounced = async (storage: BatchStorage) => (await storage.get("unannounced_events")) ?? [];

/** Once D1 has them: the events are owed to the queue, and a timer is due soon enough to pay them if nothing else does. */
export async function owe(storage: BatchStorage, timers: TimerTable, eventIds: readonly string[]) {
  await storage.put({ unannounced_events: [...(await unannounced(storage)), ...eventIds] });
  await timers.atLatest("announce", Date.now() + ANNOUNCE_RETRY_MS);
}

/** Sends every owed event; answers how many are still owed (0 unless the queue refused). */
export async function announce(storage: BatchStorage, timers: TimerTable, queue: Queue): Promise<number> {
  const ids = await unannounced(storage);
  if (!ids.length) {
    await timers.clear("announce");
    return 0;
  }
  try {
    // One event a message when there are few; many go 100 a message, fanned out in one D1 round trip.
    if (ids.length <= FEW_EVENTS) {
      await queue.sendBatch(ids.map((id) => ({ body: { kind: "event", event_id: id } satisfies WebhookMessage })));
    } else {
      const messages = [];
      for (let i = 0; i < ids.length; i += EVENTS_A_MESSAGE) messages.push({ body: { kind: "events", event_ids: ids.slice(i, i + EVENTS_A_MESSAGE) } satisfies WebhookMessage });
      for (let i = 0; i < messages.length; i += SEND_BATCH) await queue.sendBatch(messages.slice(i, i + SEND_BATCH));
    }
  } catch (err) {
    console.error(`events ${ids.join(", ")} could not be queued for webhooks yet: ${(err as Error).message}`);
    await timers.set("announce", Date.now() + ANNOUNCE_RETRY_MS);
    return ids.length;
  }
  await storage.delete("unannounced_events");
  await timers.clear("announce");
  return 0;
}
