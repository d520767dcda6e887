// A merged file from up to 100 labels. PDF: one document, fonts embedded once, each label drawn
// straight onto its page (4x6: one a page; letter: two a page). ZPL: the labels one after another.
import { PDFDocument } from "pdf-lib";
import { drawLabel, embedLabelFonts, LABEL_HEIGHT, LABEL_WIDTH, type LabelData } from "./draw";
import { zplLabel } from "./zpl";

export type LabelFormat = "pdf" | "zpl";
export type LabelLayout = "4x6" | "letter";

export const LETTER = { width: 612, height: 792 };
export const LABELS_PER_FILE = 100;

// Yielding every few labels lets the same isolate answer API reads while a big batch is being
// printed, which keeps GET latency low.
const YIELD_EVERY = 10;
const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export async function mergeLabels(labels: readonly LabelData[], format: LabelFormat, layout: LabelLayout) {
  if (format === "zpl") {
    return { bytes: new TextEncoder().encode(labels.map(zplLabel).join("\n") + "\n"), contentType: "text/plain; charset=utf-8", ext: "zpl" };
  }
  const doc = await PDFDocument.create();
  const fonts = await embedLabelFonts(doc);
  if (layout === "4x6") {
    for (let i = 0; i < labels.length; i++) {
      drawLabel(doc.addPage([LABEL_WIDTH, LABEL_HEIGHT]), fonts, labels[i]);
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await pause();
    }
  } else {
    // Two portrait 4x6 labels side by side, centred on the sheet.
    const y = (LETTER.height - LABEL_HEIGHT) / 2;
    const x = (LETTER.width - 2 * LABEL_WIDTH) / 3;
    for (let i = 0; i < labels.length; i += 2) {
      const page = doc.addPage([LETTER.width, LETTER.height]);
      drawLabel(page, fonts, labels[i], x, y);
      if (labels[i + 1]) drawLabel(page, fonts, labels[i + 1], 2 * x + LABEL_WIDTH, y);
      if ((i / 2) % (YIELD_EVERY / 2) === YIELD_EVERY / 2 - 1) await pause();
    }
  }
  return { bytes: await doc.save({ useObjectStreams: false, objectsPerTick: 25 }), contentType: "application/pdf", ext: "pdf" };
}
