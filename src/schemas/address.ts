import { z } from "@hono/zod-openapi";

// Request-time checks are about JSON types only; whether a value is a valid ZIP, state or country is
// the asynchronous validation's job, so that one bad address becomes that shipment's `errors` instead
// of failing the whole batch.
// Lengths a carrier would accept, so nothing unbounded is stored or printed (UPS and FedEx take 35 an
// address line; validation says so for them; USPS more).
const text = (max: number) => z.string().max(max).nullish();

export const AddressInput = z
  .object({
    name: text(100), company: text(100), street1: text(100), street2: text(100), city: text(50),
    state: text(20), zip: text(10), country: text(2).openapi({ description: "ISO 3166-1 alpha-2; default US" }),
    phone: text(20), email: text(254),
  })
  .strict()
  .openapi("AddressInput");

export const Address = z
  .object({
    name: z.string().nullable(), company: z.string().nullable(), street1: z.string().nullable(),
    street2: z.string().nullable(), city: z.string().nullable(), state: z.string().nullable(),
    zip: z.string().nullable(), country: z.string(), phone: z.string().nullable(), email: z.string().nullable(),
  })
  .openapi("Address");

export type AddressIn = z.infer<typeof AddressInput>;
export type StoredAddress = z.infer<typeof Address>;

export const ParcelInput = z
  .object({
    weight_oz: z.number().max(100_000).nullish(), length_in: z.number().max(10_000).nullish(),
    width_in: z.number().max(10_000).nullish(), height_in: z.number().max(10_000).nullish(),
  })
  .strict()
  .openapi("ParcelInput");

export const Parcel = z
  .object({
    weight_oz: z.number().nullable(), length_in: z.number().nullable(),
    width_in: z.number().nullable(), height_in: z.number().nullable(),
  })
  .openapi("Parcel");

export type StoredParcel = z.infer<typeof Parcel>;

const ADDRESS_KEYS = ["name", "company", "street1", "street2", "city", "state", "zip", "country", "phone", "email"] as const;
const PARCEL_KEYS = ["weight_oz", "length_in", "width_in", "height_in"] as const;

/** Trims strings, turns blanks into null, defaults the country; `base` lets a PATCH change a few fields. */
export function normalizeAddress(input: AddressIn | null | undefined, base?: StoredAddress): StoredAddress {
  const out = { ...(base ?? emptyAddress()) } as Record<string, string | null>;
  for (const key of ADDRESS_KEYS) {
    if (!input || !(key in input)) continue;
    const v = input[key];
    out[key] = typeof v === "string" && v.trim() !== "" ? v.trim() : null;
  }
  out.country = (out.country ?? "US").toUpperCase();
  return out as StoredAddress;
}

export function normalizeParcel(input: z.infer<typeof ParcelInput> | null | undefined, base?: StoredParcel): StoredParcel {
  const out = { ...(base ?? { weight_oz: null, length_in: null, width_in: null, height_in: null }) };
  for (const key of PARCEL_KEYS) if (input && key in input) out[key] = input[key] ?? null;
  return out;
}

const emptyAddress = (): StoredAddress => ({
  name: null, company: null, street1: null, street2: null, city: null, state: null, zip: null,
  country: "US", phone: null, email: null,
});
