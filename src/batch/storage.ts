// What a batch's Durable Object keeps in its key-value storage, by key and type, beside its SQLite
// tables (local-schema.ts): its timers, events written to D1 but not yet queued, the summary last
// written to D1, and how far a recovery has gone.
import type { LabelPlan } from "./label-plan";
import type { Timers } from "./timer-kinds";

export type StoredState = {
  batch_id: string;
  /** When a purchase result was last recorded (or the purchase started). */
  progress_at: number;
  /** Purchase re-sends since `progress_at`. */
  purchase_resends: number;
  /** When a merged file was last recorded (or the first files were queued). */
  labels_progress_at: number;
  /** Label-file re-queues since `labels_progress_at`. */
  label_requeues: number;
  /** Before issue 26: the label plan, whole. A batch moved into its object keeps it as rows (label_files). */
  label_plan: LabelPlan;
  /** The `updated_at` of the batch row last written to D1 as its summary. */
  summary_synced: string;
  /** A batch moved out of D1 whose old D1 rows are not all deleted yet. */
  legacy_cleanup: boolean;
  /** Undo re-sends after a time-out. */
  undo_resends: number;
  /** Event ids written to D1 but not yet handed to the webhook queue (see outbox.ts). */
  unannounced_events: string[];
  /** `batch.delivered` was written: every tracked shipment had arrived. */
  delivered_announced: boolean;
  timers: Timers;
  /** Set while a purchase start queues its pages; still set after a crash, it is rolled back. */
  purchase_start: { at: number };
  /** The Idempotency-Key (hashed) of the request that started the purchase: its retry answers that purchase. */
  purchase_request: string;
  /** Voids asked for and not yet recorded, by shipment id, with when: a request that died is finished by the `voids` timer. */
  void_intents: Record<string, number>;
};
export type StateKey = keyof StoredState;

export class BatchStorage {
  constructor(private readonly storage: DurableObjectStorage) {}

  get<K extends StateKey>(key: K): Promise<StoredState[K] | undefined> {
    return this.storage.get<StoredState[K]>(key);
  }

  put(values: Partial<StoredState>): Promise<void> {
    return this.storage.put(values as Record<string, unknown>);
  }

  async delete(...keys: StateKey[]): Promise<void> {
    await this.storage.delete(keys);
  }

  getAlarm() {
    return this.storage.getAlarm();
  }

  setAlarm(at: number) {
    return this.storage.setAlarm(at);
  }

  deleteAlarm() {
    return this.storage.deleteAlarm();
  }
}
