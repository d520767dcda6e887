// A merged file from up to 100 labels. PDF: one document, fonts embedded once, each label drawn
// straight onto its page (4x6: one a page; letter: two a page). ZPL: the labels one after another.
import { PDFDocument } from "pdf-lib";
import { drawLabel, embedLabelFonts, LABEL_HEIGHT, LABEL_WIDTH, type LabelData } from "./draw";
import { zplLabel } from "./zpl";
import { epl2Label } from "./epl2";
import { concatBytes } from "../lib/bytes";

export type LabelFormat = "pdf" | "zpl" | "epl2";
export type LabelLayout = "4x6" | "letter";

export const LETTER = { width: 612, height: 792 };
export const LABELS_PER_FILE = 100;

/**
 * `between` runs after each drawn label: the label consumer passes `backgroundTurn`, so a 100-label
 * file never holds the isolate for more than one label while clients are waiting.
 */
export async function mergeLabels(labels: readonly LabelData[], format: LabelFormat, layout: LabelLayout, between: () => Promise<void> = async () => {}) {
  if (format === "zpl") {
    return { bytes: new TextEncoder().encode(labels.map(zplLabel).join("\n") + "\n"), contentType: "text/plain; charset=utf-8", ext: "zpl" };
  }
  if (format === "epl2") return { bytes: concatBytes(labels.map(epl2Label)), contentType: EPL2_TYPE, ext: "epl2" };
  const doc = await PDFDocument.create();
  const fonts = await embedLabelFonts(doc);
  if (layout === "4x6") {
    for (let i = 0; i < labels.length; i++) {
      drawLabel(doc.addPage([LABEL_WIDTH, LABEL_HEIGHT]), fonts, labels[i]);
      await between();
    }
  } else {
    // Two portrait 4x6 labels side by side, centred on the sheet.
    const y = (LETTER.height - LABEL_HEIGHT) / 2;
    const x = (LETTER.width - 2 * LABEL_WIDTH) / 3;
    for (let i = 0; i < labels.length; i += 2) {
      const page = doc.addPage([LETTER.width, LETTER.height]);
      drawLabel(page, fonts, labels[i], x, y);
      await between();
      if (labels[i + 1]) drawLabel(page, fonts, labels[i + 1], 2 * x + LABEL_WIDTH, y);
      await between();
    }
  }
  return { bytes: await doc.save({ useObjectStreams: false, objectsPerTick: 25 }), contentType: "application/pdf", ext: "pdf" };
}

/** EPL2 is printer commands with raw bitmap bytes (GW) among them: sent to a printer as is, not text. */
export const EPL2_TYPE = "application/octet-stream";
