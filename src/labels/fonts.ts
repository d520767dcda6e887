// The label fonts: Noto Sans regular and bold (from the registry, bundled as binary modules), embedded
// per document as a subset of the glyphs it uses, so a label prints names in Latin (all accents,
// Latin Extended), Greek, Cyrillic and Vietnamese. Text the fonts cannot draw is refused at
// validation (see `unprintable`), never silently turned into "?".
import * as fontkitModule from "fontkit";
import regularTtf from "@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf";
import boldTtf from "@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf";
import { deflateSync } from "node:zlib";
import type { PDFDocument, PDFFont } from "pdf-lib";
import { letRequestsIn } from "../lib/foreground";

export type LabelFonts = { regular: PDFFont; bold: PDFFont };

/**
 * fontkit 2, not @pdf-lib/fontkit: the latter's TrueType subsetter dropped the outlines of most of
 * Noto's glyphs (the text still extracted, but printed blank; seen rendering at 203 dpi). pdf-lib
 * asks a subset for `encodeStream()`, which fontkit 2 replaced with `encode()`: adapted here.
 */
type Emitter = { on(event: string, cb: (arg?: Uint8Array) => void): Emitter };
// One parsed font per font file in an isolate: pdf-lib would parse the 630 KB file again for every
// document. Each document still gets its own subset.
const parsed = new WeakMap<ArrayBufferLike, unknown>();
const fontkit = {
  ...fontkitModule,
  create(data: Uint8Array) {
    const cached = parsed.get(data.buffer);
    if (cached) return cached;
    const font = fontkitModule.create(data as Buffer) as unknown as { createSubset(): { encode(): Uint8Array; encodeStream?: () => Emitter } };
    parsed.set(data.buffer, font);
    const createSubset = font.createSubset.bind(font);
    font.createSubset = () => {
      const subset = createSubset();
      subset.encodeStream = () => {
        let onData: ((b?: Uint8Array) => void) | undefined;
        const emitter: Emitter = {
          on(event, cb) {
            if (event === "data") onData = cb;
            if (event === "end") {
              onData?.(subset.encode());
              cb();
            }
            return emitter;
          },
        };
        return emitter;
      };
      return subset;
    };
    return font;
  },
};

// No glyph composition or ligatures: each character keeps its own (precomposed) glyph, so the text a
// scanner's software or a copy-paste extracts is the text printed ("Thị", not "Thi" and a mark).
const FEATURES = { ccmp: false, liga: false, clig: false, calt: false, rlig: false };

/**
 * The document's compressed streams (the font subsets and their Unicode maps, written at save) by the
 * runtime's native zlib, at pdf-lib's level: its pure-JS deflate (pako) was a visible share of a merged file.
 */
function nativeFlate(doc: PDFDocument) {
  const context = doc.context;
  context.flateStream = (contents, dict = {}) =>
    context.stream(deflateSync(typeof contents === "string" ? Buffer.from(contents, "latin1") : contents), { ...dict, Filter: "FlateDecode" } as never);
}

/** One subset font pair per document; requests are let in between the two embeddings. */
export async function embedLabelFonts(doc: PDFDocument, subset = true): Promise<LabelFonts> {
  nativeFlate(doc);
  doc.registerFontkit(fontkit as never);
  const regular = await doc.embedFont(ttfOf(false), { subset, features: FEATURES });
  await letRequestsIn();
  const bold = await doc.embedFont(ttfOf(true), { subset, features: FEATURES });
  return { regular, bold };
}

/** What a label prints of a value: NFC-composed, controls and line breaks as spaces. */
export const labelText = (s: string | null | undefined) => (s ?? "").normalize("NFC").replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");

/**
 * Font metrics without a document, for layout decisions shared by PDF and ZPL: the sum of each
 * character's advance (no kerning, which only tightens), from a per-isolate cache of advances.
 */
export type PathCommand = { command: "moveTo" | "lineTo" | "quadraticCurveTo" | "bezierCurveTo" | "closePath"; args: number[] };
type Face = { unitsPerEm: number; glyphForCodePoint(cp: number): { advanceWidth: number; path: { commands: PathCommand[] } } };
const faces: Partial<Record<"regular" | "bold", { face: Face; unitsPerEm: number; advances: Map<number, number> }>> = {};
// The font file's bytes over the module's own buffer, so that metrics and embedding share one parse.
const ttfOf = (bold: boolean) => new Uint8Array(bold ? boldTtf : regularTtf);
function faceOf(bold: boolean) {
  const face = fontkit.create(ttfOf(bold)) as unknown as Face;
  // fontkit's getter parses the font's head table on each read; layout asks it for every measurement.
  return { face, unitsPerEm: face.unitsPerEm, advances: new Map<number, number>() };
}
export function textWidth(text: string, size: number, bold = false): number {
  const key = bold ? "bold" : "regular";
  const f = (faces[key] ??= faceOf(bold));
  let units = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    let a = f.advances.get(cp);
    if (a === undefined) f.advances.set(cp, (a = f.face.glyphForCodePoint(cp).advanceWidth));
    units += a;
  }
  return (units * size) / f.unitsPerEm;
}

/** One character's outline and advance, in font units (y up), with the face's units per em: for thermal bitmaps. */
export function glyphOutline(cp: number, bold: boolean): { advance: number; commands: PathCommand[]; unitsPerEm: number } {
  const f = (faces[bold ? "bold" : "regular"] ??= faceOf(bold));
  const glyph = f.face.glyphForCodePoint(cp);
  return { advance: glyph.advanceWidth, commands: glyph.path.commands, unitsPerEm: f.unitsPerEm };
}

let warmed = false;
/** For tests, which share an isolate with others that drew labels: the next warming runs its steps again. */
export const forgetWarmedFonts = () => void (warmed = false);
const DESCRIPTOR = ["postscriptName", "italicAngle", "ascent", "descent", "capHeight", "xHeight", "bbox"] as const;

/**
 * Parses both faces, writes a first subset of each (which reads the glyph tables) and reads what a
 * font's descriptor needs, one step a turn with `between` after each: the first merged file of an
 * isolate otherwise did all of it in two turns of its own, which a client's read waited behind.
 */
export async function warmLabelFonts(between: () => Promise<void>) {
  if (warmed) return;
  for (const bold of [false, true]) {
    const f = (faces[bold ? "bold" : "regular"] ??= faceOf(bold));
    await between();
    const face = f.face as unknown as Face & Record<typeof DESCRIPTOR[number], unknown> & { createSubset(): { includeGlyph(glyph: unknown): number; encode(): Uint8Array } };
    const subset = face.createSubset();
    subset.includeGlyph(face.glyphForCodePoint(0x41));
    subset.encode();
    await between();
    // What a document's font descriptor reads: fontkit decodes (and keeps) their tables on first use,
    // the `post` table with every glyph's name.
    for (const k of DESCRIPTOR) void face[k];
    await between();
  }
  warmed = true;
}

type SubsetEmbedder = {
  font: { glyphForCodePoint(cp: number): { id: number } };
  subset: { includeGlyph(glyph: unknown): number };
  glyphs: unknown[]; glyphIdMap: Map<number, number>; glyphCache: { invalidate(): void };
  hexByCodePoint?: Map<number, string>;
};

/**
 * The glyph codes of `text` in a subset font, as a PDF hex string, like pdf-lib's `encodeText` but
 * one cmap lookup a character (cached per document) instead of a full layout with shaping a string:
 * labels need neither kerning nor ligatures, and the layout was most of a merged file's time. The
 * glyphs join the document's subset exactly as `encodeText` would add them.
 */
export function encodeGlyphs(font: PDFFont, text: string): string {
  const e = (font as unknown as { embedder: SubsetEmbedder }).embedder;
  if (!e.subset) return font.encodeText(text).toString(); // a whole font (subset: false)
  const cache = (e.hexByCodePoint ??= new Map());
  let out = "<";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    let hex = cache.get(cp);
    if (hex === undefined) {
      const glyph = e.font.glyphForCodePoint(cp) as { id: number; advanceWidth: number };
      const id = e.subset.includeGlyph(glyph);
      // What the ToUnicode map and the widths read, with this code point: fontkit shares glyph objects
      // across documents, and one first met as a composite's part has no code points of its own.
      e.glyphs[id - 1] ??= { id: glyph.id, codePoints: [cp], advanceWidth: glyph.advanceWidth };
      e.glyphIdMap.set(glyph.id, id);
      e.glyphCache.invalidate();
      cache.set(cp, (hex = id.toString(16).toUpperCase().padStart(4, "0")));
    }
    out += hex;
  }
  return out + ">";
}
