// Every timer a batch has, as a small table of { kind: at } in its object's storage, with the one
// Durable Object alarm set to the earliest. A new timer is a new kind here and a handler in the
// object; nothing else needs to know how alarms are shared.
import type { BatchStorage } from "./storage";
import type { TimerKind, Timers } from "./timer-kinds";

export { TIMER_KINDS, type TimerKind, type Timers } from "./timer-kinds";

export class TimerTable {
  private cache: Timers | undefined;

  constructor(private readonly storage: BatchStorage) {}

  async all(): Promise<Timers> {
    this.cache ??= (await this.storage.get("timers")) ?? {};
    return this.cache;
  }

  /** Sets (a number) or clears (null) each given timer, then arms the alarm for the earliest. */
  async update(changes: Partial<Record<TimerKind, number | null>>): Promise<void> {
    const timers = { ...(await this.all()) };
    let changed = false;
    for (const [kind, at] of Object.entries(changes) as [TimerKind, number | null][]) {
      if (at === null) {
        if (kind in timers) { delete timers[kind]; changed = true; }
      } else if (timers[kind] !== at) {
        timers[kind] = at;
        changed = true;
      }
    }
    if (!changed) return;
    this.cache = timers;
    await this.storage.put({ timers });
    await this.arm();
  }

  set(kind: TimerKind, at: number) {
    return this.update({ [kind]: at });
  }

  /** Sets the timer only if that is sooner than what it is set to now. */
  async atLatest(kind: TimerKind, at: number) {
    const current = (await this.all())[kind];
    if (current === undefined || current > at) await this.set(kind, at);
  }

  clear(...kinds: TimerKind[]) {
    return this.update(Object.fromEntries(kinds.map((k) => [k, null])));
  }

  /** The kinds due at `now`, earliest first. */
  async due(now: number): Promise<{ kind: TimerKind; at: number }[]> {
    return Object.entries(await this.all())
      .filter(([, at]) => at <= now)
      .sort((a, b) => a[1] - b[1])
      .map(([kind, at]) => ({ kind: kind as TimerKind, at }));
  }

  /** The alarm goes off at the earliest timer; none, no alarm. */
  async arm(): Promise<void> {
    const times = Object.values(await this.all());
    if (!times.length) return this.storage.deleteAlarm();
    const earliest = Math.min(...times);
    if ((await this.storage.getAlarm()) !== earliest) await this.storage.setAlarm(earliest);
  }
}
