// A merged file from up to 100 labels. PDF: one document, fonts embedded once, each label drawn
// straight onto its page (4x6: one a page; letter: two a page), the pages sharing one resource dictionary. ZPL: the labels one after another.
import { PDFDocument } from "pdf-lib";
import { embedLabelFonts, warmLabelFonts } from "./fonts";
import { LABEL_HEIGHT, LABEL_WIDTH, labelPages, type LabelData } from "./draw";
import { zplLabel } from "./zpl";
import { epl2Label } from "./epl2";
import { concatBytes } from "../lib/bytes";

export type LabelFormat = "pdf" | "zpl" | "epl2";
export type LabelLayout = "4x6" | "letter";

export const LETTER = { width: 612, height: 792 };
export const LABELS_PER_FILE = 100;
const LABELS_PER_TURN = 10;

/**
 * `between` runs after every `LABELS_PER_TURN` drawn labels: the label consumer passes `backgroundTurn`,
 * so a 100-label file never holds the isolate for long while clients are waiting. Not after each label:
 * a turn through workerd's event loop takes far longer than drawing a label, and a file written with
 * nothing else to do waited that long for every label.
 */
export async function mergeLabels(labels: readonly LabelData[], format: LabelFormat, layout: LabelLayout, between: () => Promise<void> = async () => {}) {
  await warmLabelFonts(between);
  if (format === "zpl") {
    return { bytes: new TextEncoder().encode(labels.map(zplLabel).join("\n") + "\n"), contentType: "text/plain; charset=utf-8", ext: "zpl" };
  }
  if (format === "epl2") return { bytes: concatBytes(labels.map(epl2Label)), contentType: EPL2_TYPE, ext: "epl2" };
  const doc = await PDFDocument.create();
  const pages = labelPages(doc, await embedLabelFonts(doc));
  if (layout === "4x6") {
    for (let i = 0; i < labels.length; i++) {
      pages.add(LABEL_WIDTH, LABEL_HEIGHT, [pages.content(labels[i])]);
      if (i % LABELS_PER_TURN === LABELS_PER_TURN - 1) await between();
    }
  } else {
    // Two portrait 4x6 labels side by side, centred on the sheet.
    const y = (LETTER.height - LABEL_HEIGHT) / 2;
    const x = (LETTER.width - 2 * LABEL_WIDTH) / 3;
    for (let i = 0; i < labels.length; i += 2) {
      const left = pages.content(labels[i], x, y);
      const right = labels[i + 1] ? [pages.content(labels[i + 1], 2 * x + LABEL_WIDTH, y)] : [];
      pages.add(LETTER.width, LETTER.height, [left, ...right]);
      if (i % LABELS_PER_TURN === LABELS_PER_TURN - 2) await between();
    }
  }
  // Pages are pushed onto the tree directly, so pdf-lib's page count is not to be trusted to add a blank one.
  // pdf-lib lets the event loop in every `objectsPerTick` objects written: a few times a file, not every 25.
  return { bytes: await doc.save({ useObjectStreams: false, objectsPerTick: 100, addDefaultPage: false }), contentType: "application/pdf", ext: "pdf" };
}

/** EPL2 is printer commands with raw bitmap bytes (GW) among them: sent to a printer as is, not text. */
export const EPL2_TYPE = "application/octet-stream";
