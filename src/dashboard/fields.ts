// A shipment's editable fields: their API paths and the names a person (and a screen reader) sees.
import { customsLabel } from "./CustomsFields";
export type FieldDef = { path: string; label: string; kind: "text" | "number" | "service"; width?: "short" };

const address = (side: "to" | "from", word: "To" | "From"): FieldDef[] => [
  { path: `${side}_address.name`, label: `${word} name`, kind: "text" },
  { path: `${side}_address.company`, label: `${word} company`, kind: "text" },
  { path: `${side}_address.street1`, label: `${word} street`, kind: "text" },
  { path: `${side}_address.street2`, label: `${word} street, line 2`, kind: "text" },
  { path: `${side}_address.city`, label: `${word} city`, kind: "text" },
  { path: `${side}_address.state`, label: `${word} state`, kind: "text", width: "short" },
  { path: `${side}_address.zip`, label: `${word} ZIP`, kind: "text", width: "short" },
  { path: `${side}_address.country`, label: `${word} country`, kind: "text", width: "short" },
  { path: `${side}_address.phone`, label: `${word} phone`, kind: "text" },
  { path: `${side}_address.email`, label: `${word} email`, kind: "text" },
];

export const GROUPS: { legend: string; fields: FieldDef[] }[] = [
  { legend: "Recipient", fields: address("to", "To") },
  {
    legend: "Parcel and service",
    fields: [
      { path: "parcel.weight_oz", label: "Weight (oz)", kind: "number", width: "short" },
      { path: "parcel.length_in", label: "Length (in)", kind: "number", width: "short" },
      { path: "parcel.width_in", label: "Width (in)", kind: "number", width: "short" },
      { path: "parcel.height_in", label: "Height (in)", kind: "number", width: "short" },
      { path: "service", label: "Service", kind: "service" },
      { path: "reference", label: "Reference", kind: "text" },
    ],
  },
  { legend: "Sender", fields: address("from", "From") },
];

const ALL = GROUPS.flatMap((g) => g.fields);

/** "to_address.zip" → "To ZIP"; a path with no field of its own (a row's cell count) keeps its words. */
export function fieldLabel(path: string): string {
  return ALL.find((f) => f.path === path)?.label ?? customsLabel(path) ?? (path === "row" ? "Row" : path.replace(/_/g, " "));
}

export function valueAt(obj: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}
