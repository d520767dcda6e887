// Tracking numbers in each carrier's real format with valid check digits. The digits come from a hash
// of the purchase's idempotency key, so the same key always yields the same number.
import { sha256Bytes } from "../../lib/hash";
import type { CarrierId } from "../services";

/** USPS IMpb / UPC-style mod 10: weights 3,1,3,… from the rightmost payload digit. */
export function mod10Check(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    const digit = Number(payload[payload.length - 1 - i]);
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** UPS 1Z check digit over the 15 characters after "1Z"; letters count as (code − 63) mod 10. */
export function upsCheck(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    const v = /\d/.test(ch) ? Number(ch) : (ch.charCodeAt(0) - 63) % 10;
    sum += i % 2 === 1 ? v * 2 : v;
  }
  return (10 - (sum % 10)) % 10;
}

/** FedEx 12-digit: weights 1,3,7 from the rightmost of 11 digits, sum mod 11, then mod 10. */
export function fedexCheck(payload: string): number {
  const weights = [1, 3, 7];
  let sum = 0;
  for (let i = 0; i < payload.length; i++) sum += Number(payload[payload.length - 1 - i]) * weights[i % 3];
  return (sum % 11) % 10;
}

/** UPU S10 check digit over the 8-digit serial: weights 8 6 4 2 3 5 9 7, 11 − sum mod 11 (10 → 0, 11 → 5). */
export function s10Check(serial: string): number {
  const weights = [8, 6, 4, 2, 3, 5, 9, 7];
  const sum = weights.reduce((acc, w, i) => acc + w * Number(serial[i]), 0);
  const check = 11 - (sum % 11);
  return check === 10 ? 0 : check === 11 ? 5 : check;
}

// USPS's S10 service indicators: L for First-Class Package International, C for parcels (Priority
// Mail International), E for EMS (Priority Mail Express International).
const S10_INDICATOR: Record<string, string> = { usps_first_class_international: "LZ", usps_priority_international: "CP", usps_priority_express_international: "EA" };

const USPS_SERVICE_TYPE: Record<string, string> = { usps_ground_advantage: "001", usps_priority: "055", usps_priority_express: "701" };
const UPS_SERVICE: Record<string, string> = { ups_ground: "03", ups_2nd_day_air: "02", ups_next_day_air: "01", ups_worldwide_saver: "65", ups_worldwide_expedited: "08" };

export function trackingNumber(carrier: CarrierId, service: string, key: string): string {
  const hash = sha256Bytes(key);
  const digits = (n: number, from: number) => Array.from({ length: n }, (_, i) => hash[(from + i) % 32] % 10).join("");
  if (carrier === "usps" && S10_INDICATOR[service]) {
    // International mail is numbered by the UPU's S10 standard: two letters, 8 digits, a check digit, US.
    const serial = digits(8, 0);
    return `${S10_INDICATOR[service]}${serial}${s10Check(serial)}US`;
  }
  if (carrier === "usps") {
    // Application identifier 94, service type code, 9-digit mailer id, 7-digit serial, check digit: 22 digits.
    const payload = `94${USPS_SERVICE_TYPE[service] ?? "001"}${digits(9, 0)}${digits(7, 9)}`;
    return payload + mod10Check(payload);
  }
  if (carrier === "ups") {
    const ALNUM = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
    const shipper = Array.from({ length: 6 }, (_, i) => ALNUM[hash[16 + i] % ALNUM.length]).join("");
    const body = `${shipper}${UPS_SERVICE[service] ?? "03"}${digits(7, 22)}`;
    return `1Z${body}${upsCheck(body)}`;
  }
  const payload = digits(11, 0);
  return payload + fedexCheck(payload);
}
