// Money lives in integer cents everywhere inside the service; strings only at the API edge.
export function formatCents(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(Math.trunc(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

export function parseAmount(amount: string): number {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (!m) throw new Error(`Not an amount: ${amount}`);
  return Number(m[1]) * 100 + Number((m[2] ?? "0").padEnd(2, "0"));
}

/**
 * A provider's amount as cents: EasyPost writes fees with five decimals ("0.50000") and rates with two;
 * a fraction of a cent rounds half up. Throws on anything that is not a plain non-negative decimal.
 */
export function parseProviderAmount(amount: string | number): number {
  const text = typeof amount === "number" ? amount.toFixed(5) : amount.trim();
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`Not an amount: ${amount}`);
  const frac = (m[2] ?? "").padEnd(3, "0");
  return Number(m[1]) * 100 + Number(frac.slice(0, 2)) + (Number(frac[2]) >= 5 ? 1 : 0);
}

/**
 * Insurance as EasyPost's recorded buys price it: 1% of the declared value ($100.00 → $1.00, $50.00 →
 * $0.50), at least $0.50. It is the quote shown before buying; a live label is debited what EasyPost charges.
 */
export const insuranceFeeCents = (declaredCents: number) => (declaredCents > 0 ? Math.max(50, Math.ceil(declaredCents / 100)) : 0);
