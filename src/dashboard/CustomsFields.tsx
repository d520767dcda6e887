// The customs declaration of an international shipment, edited in place with the rest of it: the
// declaration's fields and its items (added, changed, removed). What changed becomes the PATCH's
// `customs`; items, once touched, are sent whole, as the API replaces them.
import type { Shipment } from "./api";

export type ItemValues = Record<(typeof ITEM_FIELDS)[number]["key"], string>;
export type CustomsValues = { declaration: Record<string, string>; items: ItemValues[] };

const CONTENTS = [["merchandise", "Merchandise"], ["gift", "Gift"], ["documents", "Documents"], ["returned_goods", "Returned goods"], ["sample", "Sample"], ["other", "Other"]];
export const DECLARATION_FIELDS: { key: string; label: string; options?: string[][] }[] = [
  { key: "contents_type", label: "Contents", options: CONTENTS },
  { key: "contents_explanation", label: "Contents explained" },
  { key: "incoterm", label: "Incoterm", options: [["DDU", "DDU (recipient pays duties)"], ["DDP", "DDP (sender pays duties)"]] },
  { key: "non_delivery_option", label: "If undeliverable", options: [["return", "Return"], ["abandon", "Abandon"]] },
  { key: "signer", label: "Signer" },
  { key: "eel_pfc", label: "EEL/PFC" },
  { key: "itn", label: "ITN" },
];
export const ITEM_FIELDS = [
  { key: "description", label: "description", number: false },
  { key: "quantity", label: "quantity", number: true },
  { key: "value", label: "value (USD)", number: false },
  { key: "weight_oz", label: "weight (oz)", number: true },
  { key: "hs_tariff_number", label: "HS number", number: false },
  { key: "origin_country", label: "made in", number: false },
] as const;

const text = (v: unknown) => (v === null || v === undefined ? "" : String(v));
export const emptyItem = (): ItemValues => Object.fromEntries(ITEM_FIELDS.map((f) => [f.key, ""])) as ItemValues;

export function customsValues(s: Shipment): CustomsValues {
  const c = s.customs;
  return {
    declaration: Object.fromEntries(DECLARATION_FIELDS.map((f) => [f.key, text(c?.[f.key as keyof typeof c])])),
    items: (c?.items ?? []).map((i) => Object.fromEntries(ITEM_FIELDS.map((f) => [f.key, text(i[f.key])])) as ItemValues),
  };
}

/** The PATCH's `customs`, or null when nothing in it changed; an item number that is not a number is an error by path. */
export function customsPatch(before: CustomsValues, now: CustomsValues): { patch: Record<string, unknown> | null; errors: Record<string, string[]> } {
  const patch: Record<string, unknown> = {};
  const errors: Record<string, string[]> = {};
  for (const f of DECLARATION_FIELDS) {
    const v = now.declaration[f.key].trim();
    if (v !== before.declaration[f.key]) patch[f.key] = v === "" ? null : v;
  }
  if (JSON.stringify(now.items) !== JSON.stringify(before.items)) {
    patch.items = now.items.map((item, n) => Object.fromEntries(ITEM_FIELDS.map((f) => {
      const v = item[f.key].trim();
      if (v === "") return [f.key, null];
      if (f.number && !Number.isFinite(Number(v))) (errors[`customs.items.${n}.${f.key}`] ??= []).push("Must be a number");
      return [f.key, f.number ? Number(v) : v];
    })));
  }
  return { patch: Object.keys(patch).length ? patch : null, errors };
}

/** "customs.items.1.hs_tariff_number" → "Item 2 HS number"; "customs.signer" → "Customs signer". */
export function customsLabel(path: string): string | null {
  const item = /^customs\.items\.(\d+)\.(\w+)$/.exec(path);
  if (item) return `Item ${Number(item[1]) + 1} ${ITEM_FIELDS.find((f) => f.key === item[2])?.label ?? item[2]}`;
  if (path === "customs.items") return "Customs items";
  const field = DECLARATION_FIELDS.find((f) => `customs.${f.key}` === path);
  return field ? `Customs: ${field.label}` : path === "customs" ? "Customs" : null;
}

export function CustomsFieldset(props: { id: (path: string) => string; values: CustomsValues; onChange: (v: CustomsValues) => void; errors: Record<string, string[]> }) {
  const { values, onChange, errors, id } = props;
  const field = (path: string, label: string, value: string, set: (v: string) => void, options?: string[][]) => {
    const errs = errors[path];
    const fid = id(path);
    return (
      <div class="field" key={path}>
        <label for={fid}>{label}</label>
        {options ? (
          <select id={fid} value={value} aria-invalid={errs ? true : undefined} aria-describedby={errs ? `${fid}-error` : undefined}
            onChange={(e) => set((e.target as HTMLSelectElement).value)}>
            <option value="">—</option>
            {options.map(([v, words]) => <option key={v} value={v}>{words}</option>)}
          </select>
        ) : (
          <input id={fid} value={value} aria-invalid={errs ? true : undefined} aria-describedby={errs ? `${fid}-error` : undefined}
            onInput={(e) => set((e.target as HTMLInputElement).value)} />
        )}
        {errs && <p class="field-error" id={`${fid}-error`}>{errs.join("; ")}</p>}
      </div>
    );
  };
  const setItem = (n: number, key: string, v: string) => onChange({ ...values, items: values.items.map((it, i) => (i === n ? { ...it, [key]: v } : it)) });
  return (
    <fieldset>
      <legend>Customs</legend>
      {DECLARATION_FIELDS.map((f) => field(`customs.${f.key}`, f.label, values.declaration[f.key], (v) => onChange({ ...values, declaration: { ...values.declaration, [f.key]: v } }), f.options))}
      {errors["customs.items"] && <p class="field-error">{errors["customs.items"].join("; ")}</p>}
      {values.items.map((item, n) => (
        <div class="customs-item" role="group" aria-label={`Item ${n + 1}`} key={n}>
          {ITEM_FIELDS.map((f) => field(`customs.items.${n}.${f.key}`, `Item ${n + 1} ${f.label}`, item[f.key], (v) => setItem(n, f.key, v)))}
          <button type="button" class="secondary" onClick={() => onChange({ ...values, items: values.items.filter((_, i) => i !== n) })}>Remove item {n + 1}</button>
        </div>
      ))}
      <button type="button" class="secondary" onClick={() => onChange({ ...values, items: [...values.items, emptyItem()] })}>Add an item</button>
    </fieldset>
  );
}
