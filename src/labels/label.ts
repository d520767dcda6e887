// What one label says, whatever draws it (PDF in draw.ts, ZPL in zpl.ts, both laid out by layout.ts):
// below every drawing module, so none of them imports another for it.
import type { StoredAddress } from "../schemas/address";
import type { StoredCustoms } from "../schemas/customs";

export type LabelData = {
  tracking_number: string;
  carrier: string;
  service: string;
  service_name: string;
  from: StoredAddress;
  to: StoredAddress;
  weight_oz: number;
  zone: number;
  ship_date: string;
  reference: string | null;
  /** International: the declaration (with its export filing); absent or null at home. */
  customs?: StoredCustoms | null;
};

/** Groups digits the way carriers print them (USPS in fours, UPS 1Z as 2-6-2-4-4). */
export function formatTracking(t: string): string {
  if (/^[A-Z]{2}\d{9}[A-Z]{2}$/.test(t)) return `${t.slice(0, 2)} ${t.slice(2, 5)} ${t.slice(5, 8)} ${t.slice(8, 11)} ${t.slice(11)}`;
  if (t.startsWith("1Z")) return [t.slice(0, 2), t.slice(2, 8), t.slice(8, 10), t.slice(10, 14), t.slice(14)].join(" ");
  return t.replace(/(.{4})(?=.)/g, "$1 ");
}
