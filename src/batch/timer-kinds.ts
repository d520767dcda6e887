// The kinds of timer a batch has and the table of them, below both the storage that keeps the table
// and the TimerTable that runs it.
export const TIMER_KINDS = [
  "validate",  // shipments wait to be validated and rated
  "expire",    // a batch not bought within 30 days
  "purchase",  // a purchasing batch with no progress: re-send, then time out
  "labels",    // merged files queued but not written: queue them again
  "start",     // a purchase start that did not finish: roll it back
  "undo",      // after a time-out: refunds the carrier has not confirmed yet: ask again
  "announce",  // events the webhook queue refused: send them again
  "refunds",   // live voids whose refund EasyPost has not decided: ask again, on a schedule, for 35 days
  "voids",     // voids asked for whose record never came (the request died): finish them at the carrier
  "sync",      // what the object owes D1 (its summary row, events, credits, a moved batch's old rows): write it
  "tracking",  // bought shipments' tracking is due: the sandbox's next scans, a live tracker gone quiet
] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];
export type Timers = Partial<Record<TimerKind, number>>;
