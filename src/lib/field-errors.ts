/** Messages by field path (`to_address.zip`): a shipment's `errors` and `warnings`, and a provider's refusal. */
export type FieldErrors = Record<string, string[]>;
