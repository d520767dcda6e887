// Independent readers of our labels: poppler renders PDFs at a thermal printer's 203 dpi and extracts
// text, zbar decodes every barcode in an image, zpl-renderer-js renders ZPL as a Zebra printer would.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const work = () => mkdtempSync(join(tmpdir(), "labels-"));

/** Each page of a PDF as a PNG at 203 dpi. */
export function pdfPages(pdf: Uint8Array): string[] {
  const dir = work();
  writeFileSync(join(dir, "in.pdf"), pdf);
  execFileSync("pdftoppm", ["-r", "203", "-png", join(dir, "in.pdf"), join(dir, "page")]);
  return readdirSync(dir).filter((f) => f.startsWith("page")).sort().map((f) => join(dir, f));
}

/** Every barcode zbar finds in an image, as it reports them (GS1 separators as \x1d). */
export function decode(png: string): string[] {
  try {
    const out = execFileSync("zbarimg", ["--raw", "-q", "-Scode128.enable", png], { encoding: "latin1" });
    return out.split("\n").filter(Boolean);
  } catch {
    return []; // zbarimg exits 4 when it finds nothing
  }
}

export function pdfText(pdf: Uint8Array): string {
  const dir = work();
  writeFileSync(join(dir, "in.pdf"), pdf);
  return execFileSync("pdftotext", ["-enc", "UTF-8", join(dir, "in.pdf"), "-"], { encoding: "utf8" });
}

/** The bounding box of every word poppler finds, with its page size. */
export function wordBoxes(pdf: Uint8Array) {
  const dir = work();
  writeFileSync(join(dir, "in.pdf"), pdf);
  const html = execFileSync("pdftotext", ["-bbox", join(dir, "in.pdf"), "-"], { encoding: "utf8" });
  const pages = [...html.matchAll(/<page width="([\d.]+)" height="([\d.]+)">([\s\S]*?)<\/page>/g)];
  return pages.flatMap(([, w, h, body]) => [...body.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)]
    .map(([, x0, y0, x1, y1, word]) => ({ page: { w: Number(w), h: Number(h) }, x0: Number(x0), y0: Number(y0), x1: Number(x1), y1: Number(y1), word })));
}

/** ZPL rendered to PNGs (one per label) by zpl-renderer-js, 4x6 in at 8 dots/mm. */
export async function zplPages(zpl: string): Promise<string[]> {
  const { ready } = await import("zpl-renderer-js");
  const { api } = await ready;
  const images: string[] = await api.zplToBase64MultipleAsync(zpl, 101.6, 152.4, 8);
  const dir = work();
  return images.map((b64, i) => {
    const file = join(dir, `zpl-${i}.png`);
    writeFileSync(file, Buffer.from(b64, "base64"));
    return file;
  });
}

export const png = (file: string) => readFileSync(file);

/** A PDF's first page as 8-bit gray pixels at 203 dpi (poppler's raw PGM). */
export function grayPixels(pdf: Uint8Array): Buffer {
  const dir = work();
  writeFileSync(join(dir, "in.pdf"), pdf);
  execFileSync("pdftoppm", ["-r", "203", "-gray", "-f", "1", "-l", "1", "-singlefile", join(dir, "in.pdf"), join(dir, "page")]);
  return readFileSync(join(dir, "page.pgm"));
}
