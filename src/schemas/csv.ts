import { parse } from "csv-parse/sync";
import { ApiError } from "../http/errors";
import { ShipmentInput, type ShipmentErrors, type ShipmentIn } from "./shipment";

export const CSV_COLUMNS = [
  "reference", "to_name", "to_company", "to_street1", "to_street2", "to_city", "to_state", "to_zip", "to_country",
  "to_phone", "to_email", "from_name", "from_company", "from_street1", "from_street2", "from_city", "from_state",
  "from_zip", "from_country", "weight_oz", "length_in", "width_in", "height_in", "carrier", "service", "max_delivery_days",
  "customs_contents_type", "customs_contents_explanation", "customs_incoterm", "customs_eel_pfc", "customs_itn", "customs_non_delivery_option", "customs_signer",
  "item1_description", "item1_quantity", "item1_value", "item1_weight_oz", "item1_hs_tariff_number", "item1_origin_country",
  "item2_description", "item2_quantity", "item2_value", "item2_weight_oz", "item2_hs_tariff_number", "item2_origin_country",
] as const;
const KNOWN = new Set<string>(CSV_COLUMNS);
/**
 * A customs item's cells: `item<N>_<field>`, N from 1 to 30 (the template shows two items; add
 * item3_… and so on for more). A row's items are those with any cell filled, in N order.
 */
const ITEM_FIELDS = ["description", "quantity", "value", "weight_oz", "hs_tariff_number", "origin_country"] as const;
const ITEM_COLUMN = new RegExp(`^item([1-9]|[12]\\d|30)_(${ITEM_FIELDS.join("|")})$`);
const DECLARATION_FIELDS = ["contents_type", "contents_explanation", "incoterm", "eel_pfc", "itn", "non_delivery_option", "signer"] as const;

// The template's example row: one cell a column, so a column added above must be given an example here.
const EXAMPLE: Record<(typeof CSV_COLUMNS)[number], string> = {
  reference: "order-1001", to_name: "Ada Lovelace", to_company: "", to_street1: "1 Main St", to_street2: "", to_city: "Springfield",
  to_state: "IL", to_zip: "62701", to_country: "US", to_phone: "", to_email: "", from_name: "Warehouse", from_company: "Acme Goods",
  from_street1: "500 Dock Rd", from_street2: "", from_city: "Reno", from_state: "NV", from_zip: "89501", from_country: "US",
  weight_oz: "16", length_in: "10", width_in: "8", height_in: "4", carrier: "", service: "usps_priority", max_delivery_days: "",
  customs_contents_type: "", customs_contents_explanation: "", customs_incoterm: "", customs_eel_pfc: "", customs_itn: "", customs_non_delivery_option: "", customs_signer: "",
  item1_description: "", item1_quantity: "", item1_value: "", item1_weight_oz: "", item1_hs_tariff_number: "", item1_origin_country: "",
  item2_description: "", item2_quantity: "", item2_value: "", item2_weight_oz: "", item2_hs_tariff_number: "", item2_origin_country: "",
};
// The second example: to Canada, with its customs declaration and two items.
const EXAMPLE_ABROAD: Record<(typeof CSV_COLUMNS)[number], string> = {
  ...EXAMPLE, reference: "order-1002", to_name: "Tom Thomson", to_street1: "290 Bremner Blvd", to_city: "Toronto", to_state: "ON", to_zip: "M5V 3L9",
  to_country: "CA", to_phone: "+1 416 868 6937", weight_oz: "24", service: "usps_priority_international",
  customs_contents_type: "merchandise", customs_incoterm: "DDU", customs_non_delivery_option: "return", customs_signer: "Acme Shipping Desk",
  item1_description: "Cotton T-shirt", item1_quantity: "2", item1_value: "30.00", item1_weight_oz: "12", item1_hs_tariff_number: "6109.10", item1_origin_country: "US",
  item2_description: "Ceramic mug", item2_quantity: "1", item2_value: "12.50", item2_weight_oz: "10", item2_hs_tariff_number: "6912.00", item2_origin_country: "PT",
};
/** A CSV file with every documented column and two valid example rows, one at home and one abroad (the dashboard links to it). */
export const CSV_TEMPLATE = `${CSV_COLUMNS.join(",")}\r\n${[EXAMPLE, EXAMPLE_ABROAD].map((e) => CSV_COLUMNS.map((c) => e[c]).join(",")).join("\r\n")}\r\n`;
const NUMBERS = ["weight_oz", "length_in", "width_in", "height_in"] as const;
const ADDRESS_FIELDS = ["name", "company", "street1", "street2", "city", "state", "zip", "country", "phone", "email"] as const;

export type CsvRow = { input: ShipmentIn; errors: ShipmentErrors | null };

/**
 * One shipment a row. The file fails only when it cannot be read as CSV or names columns we do not
 * know; a row's own problems (a wrong number of cells, a weight that is not a number) travel with
 * that row and make it an invalid shipment.
 */
export function parseShipmentsCsv(text: string): CsvRow[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true });
  } catch (err) {
    throw new ApiError("invalid_csv", `The CSV file could not be read: ${(err as Error).message}`);
  }
  if (records.length === 0) throw new ApiError("invalid_csv", "The CSV file is empty; it needs a header row.");
  const header = records[0].map((h) => h.toLowerCase());
  const unknown = header.filter((h) => !KNOWN.has(h) && !ITEM_COLUMN.test(h));
  if (unknown.length) {
    throw new ApiError("invalid_csv", `Unknown columns: ${unknown.join(", ")}.`,
      unknown.map((h) => ({ path: `file.columns.${h}`, message: "Unknown column" })));
  }
  const dupes = header.filter((h, i) => header.indexOf(h) !== i);
  if (dupes.length) throw new ApiError("invalid_csv", `Columns named twice: ${[...new Set(dupes)].join(", ")}.`);

  return records.slice(1).filter((cells) => cells.some((c) => c !== "")).map((cells, i) => {
    const errors: ShipmentErrors = {};
    if (cells.length !== header.length) {
      errors.row = [`Row ${i + 2} has ${cells.length} cells; the header has ${header.length}`];
    }
    const cell = (name: string) => {
      const v = cells[header.indexOf(name)];
      return v === undefined || v === "" ? null : v;
    };
    const address = (side: "to" | "from") =>
      Object.fromEntries(ADDRESS_FIELDS.map((f) => [f, cell(`${side}_${f}`)]));
    const parcel: Record<string, number | null> = {};
    for (const f of NUMBERS) {
      const raw = cell(f);
      // Plain decimals only: "0x10", "1e1" or "Infinity" are not what a spreadsheet meant.
      const plain = raw !== null && /^\d+(\.\d+)?$/.test(raw);
      if (raw !== null && !plain) errors[`parcel.${f}`] = [`Not a plain decimal number: ${raw}`];
      parcel[f] = plain ? Number(raw) : null;
    }
    // `service` may name a strategy (cheapest, fastest); `max_delivery_days` bounds it, a whole number.
    const days = cell("max_delivery_days");
    let max_delivery_days: number | null = null;
    if (days !== null) {
      if (/^\d{1,2}$/.test(days) && Number(days) >= 1 && Number(days) <= 30) max_delivery_days = Number(days);
      else errors.max_delivery_days = [`Not a whole number of days from 1 to 30: ${days}`];
    }
    // Customs: the declaration's cells, and items numbered item1_…, item2_… (see ITEM_COLUMN).
    const itemNumbers = [...new Set(header.map((h) => ITEM_COLUMN.exec(h)?.[1]).filter((n): n is string => !!n))].map(Number).sort((a, b) => a - b);
    const items = itemNumbers.map((n) => Object.fromEntries(ITEM_FIELDS.map((f) => [f, cell(`item${n}_${f}`)])))
      .filter((raw) => ITEM_FIELDS.some((f) => raw[f] !== null))
      .map((raw, i) => {
        const number = (f: "quantity" | "weight_oz") => {
          const v = raw[f];
          if (v === null) return null;
          if (!/^\d+(\.\d+)?$/.test(v)) {
            errors[`customs.items.${i}.${f}`] = [`Not a plain decimal number: ${v}`];
            return null;
          }
          return Number(v);
        };
        return { ...raw, quantity: number("quantity"), weight_oz: number("weight_oz") };
      });
    const declared = Object.fromEntries(DECLARATION_FIELDS.map((f) => [f, cell(`customs_${f}`)]));
    const hasCustoms = items.length > 0 || DECLARATION_FIELDS.some((f) => declared[f] !== null);
    const input = {
      reference: cell("reference"), carrier: cell("carrier"), service: cell("service"), max_delivery_days,
      to_address: address("to"), from_address: address("from"), parcel,
      ...(hasCustoms ? { customs: { ...declared, items } } : {}),
    };
    // The same schema as JSON: a value over its limit is that row's error, and the value is dropped.
    const checked = ShipmentInput.safeParse(input);
    if (!checked.success) {
      for (const issue of checked.error.issues) {
        const path = issue.path.join(".");
        (errors[path] ??= []).push(issue.message);
        let target: any = input;
        for (const k of issue.path.slice(0, -1)) target = target?.[k as keyof typeof target];
        if (target && typeof target === "object") target[issue.path.at(-1) as string] = null;
      }
    }
    return { input, errors: Object.keys(errors).length ? errors : null };
  });
}
