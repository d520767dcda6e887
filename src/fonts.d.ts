// Fonts bundled as binary modules (wrangler.toml [[rules]] type "Data").
declare module "*.ttf" {
  const data: ArrayBuffer;
  export default data;
}
// fontkit 2 ships no types; the label code uses `create` (see src/labels/fonts.ts).
declare module "fontkit" {
  export function create(data: Uint8Array): unknown;
}
// Text bundled as a module (wrangler.toml [[rules]] type "Text"): the generated US ZIP table.
declare module "*.txt" {
  const text: string;
  export default text;
}
