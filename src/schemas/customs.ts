import { z } from "@hono/zod-openapi";

// What an international shipment declares to customs. Request-time checks are about JSON types and
// lengths only: whether a declaration is complete and consistent is validation's job (batch/customs.ts),
// so one shipment's incomplete declaration becomes its own `errors`, never the batch's 400.
export const CONTENTS_TYPES = ["merchandise", "gift", "documents", "returned_goods", "sample", "other"] as const;
export const INCOTERMS = ["DDU", "DDP"] as const;
export const NON_DELIVERY_OPTIONS = ["return", "abandon"] as const;
export const MAX_CUSTOMS_ITEMS = 30;

const text = (max: number) => z.string().max(max).nullish();

export const CustomsItemInput = z
  .object({
    description: text(100).openapi({ description: "What the item is, in plain words (carriers print 35–50 characters)", example: "Cotton T-shirt" }),
    quantity: z.number().int().min(0).max(100_000).nullish(),
    value: z.string().max(12).nullish().openapi({ description: "The line's total value in USD (all of its quantity), a decimal string", example: "25.00" }),
    weight_oz: z.number().min(0).max(100_000).nullish().openapi({ description: "The line's total weight in ounces (all of its quantity)" }),
    hs_tariff_number: z.string().max(20).nullish().openapi({ description: "The Harmonized System (or Schedule B) number, 6 to 10 digits; dots and spaces are ignored", example: "6109.10" }),
    origin_country: text(2).openapi({ description: "Where the item was made, ISO 3166-1 alpha-2", example: "US" }),
  })
  .strict()
  .openapi("CustomsItemInput");

const declarationFields = {
  contents_type: z.enum(CONTENTS_TYPES).nullish(),
  contents_explanation: text(255).openapi({ description: "Required when `contents_type` is `other`" }),
  incoterm: z.enum(INCOTERMS).nullish().openapi({ description: "Who pays duties and taxes: DDU (the recipient; the default) or DDP (the sender)" }),
  eel_pfc: text(40).openapi({ description: "The export filing's exemption (`NOEEI 30.37(a)`, `NOEEI 30.36` to Canada) or `AES <ITN>`; derived when omitted" }),
  itn: text(15).openapi({ description: "The Internal Transaction Number of an EEI filed in AES (X + 14 digits): required when one Schedule B number's items are worth over $2,500 (15 CFR 30.37(a)), except to Canada", example: "X20261204123456" }),
  non_delivery_option: z.enum(NON_DELIVERY_OPTIONS).nullish().openapi({ description: "What the carrier does when it cannot deliver: return (the default) or abandon" }),
  signer: text(100).openapi({ description: "Who certifies the declaration; printed on the customs form's signature line" }),
};

export const CustomsInput = z
  .object({ ...declarationFields, items: z.array(CustomsItemInput).max(MAX_CUSTOMS_ITEMS).nullish() })
  .strict()
  .openapi("CustomsInput", { description: "The customs declaration of an international shipment (destinations outside the US)" });
export type CustomsIn = z.infer<typeof CustomsInput>;

export const CustomsDefaults = z
  .object(declarationFields)
  .strict()
  .openapi("CustomsDefaults", { description: "A batch's customs defaults: any field of `customs` but `items`, taken by each international shipment that does not set it" });
export type CustomsDefaultsIn = z.infer<typeof CustomsDefaults>;

export const CustomsItem = z
  .object({
    description: z.string().nullable(), quantity: z.number().int().nullable(), value: z.string().nullable(),
    weight_oz: z.number().nullable(), hs_tariff_number: z.string().nullable(), origin_country: z.string().nullable(),
  })
  .openapi("CustomsItem");

export const Customs = z
  .object({
    contents_type: z.enum(CONTENTS_TYPES).nullable(), contents_explanation: z.string().nullable(), incoterm: z.enum(INCOTERMS).nullable(),
    eel_pfc: z.string().nullable(), itn: z.string().nullable(), non_delivery_option: z.enum(NON_DELIVERY_OPTIONS).nullable(),
    signer: z.string().nullable(), items: z.array(CustomsItem),
  })
  .openapi("Customs");
export type StoredCustoms = z.infer<typeof Customs>;
export type StoredCustomsItem = z.infer<typeof CustomsItem>;

const DECLARATION_KEYS = ["contents_type", "contents_explanation", "incoterm", "eel_pfc", "itn", "non_delivery_option", "signer"] as const;
const ITEM_KEYS = ["description", "quantity", "value", "weight_oz", "hs_tariff_number", "origin_country"] as const;

const clean = (v: unknown) => (typeof v === "string" ? (v.trim() === "" ? null : v.trim()) : v ?? null);

/**
 * The declaration a shipment keeps: its own fields (or, for a PATCH, what it had where the PATCH is
 * silent), and the batch's defaults where those are empty. `items`, when given, replace the list whole.
 */
export function normalizeCustoms(input: CustomsIn | null | undefined, defaults: CustomsDefaultsIn | null, base: StoredCustoms | null = null): StoredCustoms {
  const out: Record<string, unknown> = { items: [] };
  for (const k of DECLARATION_KEYS) out[k] = (input && k in input ? clean(input[k]) : base ? base[k] : null) ?? clean(defaults?.[k]) ?? null;
  // As EasyPost and the carriers assume when nothing is said: duties unpaid, the parcel returned.
  out.incoterm ??= "DDU";
  out.non_delivery_option ??= "return";
  out.items = input?.items
    ? input.items.map((i) => Object.fromEntries(ITEM_KEYS.map((k) => [k, k === "origin_country" ? (clean(i[k]) as string | null)?.toUpperCase() ?? null : clean(i[k])])))
    : base?.items ?? [];
  return out as StoredCustoms;
}
