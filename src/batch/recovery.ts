// When a batch that stopped making progress acts, as pure functions of the time of its last progress
// and how often it has acted since. Messages can vanish (a crash between the object's write and its
// send; locally, a killed `wrangler dev` loses the queue's memory), so quiet work is sent again, with
// backoff and a bound, before anything is given up.

export type RecoveryTiming = { resendMs: number; stallMs: number };

export function recoveryTiming(env: { PURCHASE_TIMEOUT_SECONDS?: string; PURCHASE_RESEND_SECONDS?: string }): RecoveryTiming {
  const seconds = (v: string | undefined, fallback: number) => (Number(v) > 0 ? Number(v) : fallback);
  return { resendMs: seconds(env.PURCHASE_RESEND_SECONDS, 20) * 1000, stallMs: seconds(env.PURCHASE_TIMEOUT_SECONDS, 300) * 1000 };
}

/** Re-send k (0-based) goes out `resendMs * (2^(k+1) - 1)` after the last progress: 20, 60, 140 s … */
const resendOffset = (k: number, t: RecoveryTiming) => t.resendMs * (2 ** (k + 1) - 1);

export type PurchaseStep = { action: "resend" | "time_out"; at: number };

/**
 * What a quiet purchasing batch does next, and when: re-send its queued shipments while the re-sends
 * fit within the time-out (at least once), then time out, never before `stallMs` of silence.
 */
export function nextPurchaseStep(progressAt: number, resends: number, t: RecoveryTiming): PurchaseStep {
  const offset = resendOffset(resends, t);
  if (resends === 0 || offset < t.stallMs) return { action: "resend", at: progressAt + offset };
  return { action: "time_out", at: progressAt + Math.max(t.stallMs, resendOffset(resends - 1, t) + t.resendMs) };
}

/** Merged files queued but not written are queued again after the same quiet spell, doubling up to 10 minutes; never given up. */
export const nextLabelRequeue = (progressAt: number, requeues: number, t: RecoveryTiming) =>
  progressAt + Math.min(t.resendMs * 2 ** requeues, 600_000);

/** A purchase start still unfinished this long after it began has died; its queued shipments go back to valid. */
export const START_GRACE_MS = 15_000;

/** A void asked for and not recorded this long after is taken for a request that died, and finished by the batch. */
export const VOID_GRACE_MS = 60_000;

/** What the object owes D1 (its summary row, events, credits) is written again this soon if a write did not happen. */
export const SYNC_RETRY_MS = 10_000;

/** While a batch is busy, its summary row in D1 takes counts that moved at most this often (a status change, at once). */
export const SUMMARY_EVERY_MS = 1_000;

const HOUR_MS = 3_600_000;
/** A live refund is asked about this long after its void at most: EasyPost decides USPS refunds after 15 days or more, 30 at most. */
export const REFUND_FOLLOW_MS = 35 * 24 * HOUR_MS;
const REFUND_CHECKS_MS = [HOUR_MS, 6 * HOUR_MS, 24 * HOUR_MS];

/** When a refund submitted at `submittedAt` is next asked about after `now`: 1 h, 6 h, 1 day, then daily; null past 35 days. */
export function nextRefundCheck(submittedAt: number, now: number): number | null {
  for (const offset of REFUND_CHECKS_MS) if (submittedAt + offset > now) return submittedAt + offset;
  const days = Math.floor((now - submittedAt) / (24 * HOUR_MS)) + 1;
  const at = submittedAt + days * 24 * HOUR_MS;
  return at - submittedAt > REFUND_FOLLOW_MS ? null : at;
}
