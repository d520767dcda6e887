// Merged files from labels a provider sold as documents (live mode): the provider's own pages, 100 a
// file in position order, read from R2 one label at a time. Letter sheets place two of its 4x6 pages
// side by side. ZPL is the provider's own, fetched once per label and kept beside the PDF.
import { PDFDocument } from "pdf-lib";
import { batchBooks } from "../batch/books";
import { carrierFor } from "../carriers";
import type { LabelSource } from "../db/shipments";
import { LABEL_HEIGHT, LABEL_WIDTH } from "./draw";
import { EPL2_TYPE, LETTER, type LabelFormat, type LabelLayout } from "./merge";
import { concatBytes } from "../lib/bytes";

const thermalKey = (labelKey: string, format: "zpl" | "epl2") => labelKey.replace(/\.pdf$/, `.${format}`);

async function r2Bytes(env: Env, key: string): Promise<Uint8Array | null> {
  const object = await env.LABELS.get(key);
  return object ? new Uint8Array(await object.arrayBuffer()) : null;
}

export async function mergeDocuments(env: Env, shipments: readonly LabelSource[], format: LabelFormat, layout: LabelLayout, between: () => Promise<void>) {
  if (format === "zpl" || format === "epl2") {
    const carrier = carrierFor(env, "live", batchBooks(env, shipments[0].batch_id));
    const type = format === "zpl" ? "text/plain; charset=utf-8" : EPL2_TYPE;
    const parts: Uint8Array[] = [];
    for (const s of shipments) {
      let doc = await r2Bytes(env, thermalKey(s.label_key!, format));
      if (!doc) {
        if (!carrier.labelDocument) throw new Error(`The live carrier cannot convert labels to ${format.toUpperCase()}`);
        doc = await carrier.labelDocument(s.id, format);
        await env.LABELS.put(thermalKey(s.label_key!, format), doc, { httpMetadata: { contentType: type } });
      }
      // ZPL forms are text, one after another; EPL2's carry bitmap bytes, so they are joined as bytes.
      parts.push(format === "zpl" ? new TextEncoder().encode(`${new TextDecoder().decode(doc).trimEnd()}\n`) : doc);
      await between();
    }
    return { bytes: concatBytes(parts), contentType: type, ext: format };
  }
  const doc = await PDFDocument.create();
  const x = (LETTER.width - 2 * LABEL_WIDTH) / 3;
  const y = (LETTER.height - LABEL_HEIGHT) / 2;
  let sheet: ReturnType<PDFDocument["addPage"]> | null = null;
  for (let i = 0; i < shipments.length; i++) {
    const bytes = await r2Bytes(env, shipments[i].label_key!);
    if (!bytes) throw new Error(`The label of ${shipments[i].id} is not in storage`);
    if (layout === "4x6") {
      const [page] = await doc.copyPages(await PDFDocument.load(bytes), [0]);
      doc.addPage(page);
    } else {
      const [embedded] = await doc.embedPdf(bytes, [0]);
      const scale = Math.min(LABEL_WIDTH / embedded.width, LABEL_HEIGHT / embedded.height);
      if (i % 2 === 0) sheet = doc.addPage([LETTER.width, LETTER.height]);
      sheet!.drawPage(embedded, { x: i % 2 === 0 ? x : 2 * x + LABEL_WIDTH, y, width: embedded.width * scale, height: embedded.height * scale });
    }
    await between();
  }
  return { bytes: await doc.save({ useObjectStreams: false, objectsPerTick: 25 }), contentType: "application/pdf", ext: "pdf" };
}
