import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { unzipSync } from "fflate";
import { PDFDict, PDFName } from "pdf-lib";
import { signedUrl } from "../../src/labels/links";
import { api, isFinal, newAccount, passTime, readyBatch, waitFor, inBatch } from "../helpers";
import { decodeCode128 } from "./code128";

/** The tracking number in a barcode's data: after the IMpb's routing (420 + ZIP, GS) for USPS. */
const trackingOf = (data: string) => data.split("\x1d").pop()!;
import { barcodeModules, loadPdf, pageText } from "./pdf";

const purchase = (key: string, id: string) => api(key, `/v1/batches/${id}/purchase`, { body: {} });

/** Fetches a signed link without any API key, as a browser or printer would. */
async function download(url: string) {
  const u = new URL(url, "https://api.test");
  return api(null, `${u.pathname}${u.search}`);
}
async function downloadBytes(url: string) {
  const u = new URL(url, "https://api.test");
  const { exports } = await import("cloudflare:workers");
  const res = await exports.default.fetch(new Request(`https://api.test${u.pathname}${u.search}`));
  return { status: res.status, type: res.headers.get("content-type"), bytes: new Uint8Array(await res.arrayBuffer()) };
}

const trackingOnPage = (text: string) => text.match(/(?:\d{4} ){5}\d{2}|1Z \S+ \S+ \S+ \S+|\d{4} \d{4} \d{4}/)?.[0].replace(/ /g, "");

describe("merged label files", () => {
  it("250 shipments make files of 100/100/50 in position order, each page's barcode decoding to its tracking number", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 250, (i) => ({ service: i % 3 === 0 ? "ups_ground" : "usps_priority" }));
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal, 60_000);
    expect(done.status).toBe("completed");
    expect(done.labels.map((l: any) => [l.count, l.first_position, l.last_position, l.format, l.layout])).toEqual([
      [100, 1, 100, "pdf", "4x6"], [100, 101, 200, "pdf", "4x6"], [50, 201, 250, "pdf", "4x6"],
    ]);
    const tracking = (await api(key, `/v1/batches/${b.id}/shipments?limit=1000`)).json.data.map((s: any) => s.tracking_number);
    const printed: string[] = [];
    for (const file of done.labels) {
      const res = await downloadBytes(file.url);
      expect(res.status).toBe(200);
      expect(res.type).toBe("application/pdf");
      const doc = await loadPdf(res.bytes);
      expect(doc.getPageCount()).toBe(file.count);
      // The frame every label of a service repeats (sender, service, headings) is one form a file, shown by each page.
      const forms = doc.getPage(0).node.Resources()!.lookup(PDFName.of("XObject"), PDFDict);
      expect(forms.keys()).toHaveLength(2);
      for (const page of doc.getPages()) {
        expect(Object.values(page.getSize())).toEqual([288, 432]);
        const fromBars = trackingOf(decodeCode128(barcodeModules(page, 80)));
        const text = pageText(page);
        expect(trackingOnPage(text)).toBe(fromBars);
        expect(text).toContain("500 Dock Rd");
        expect(text).toContain(fromBars.startsWith("1Z") ? "UPS GROUND" : "USPS PRIORITY MAIL");
        printed.push(fromBars);
      }
    }
    expect(printed).toEqual(tracking);
    // Every file of the set as one ZIP, read back by fflate (not the library that wrote it): the same bytes, in order.
    const [set] = done.label_sets;
    const archive = await downloadBytes(set.archive_url);
    expect([archive.status, archive.type]).toEqual([200, "application/zip"]);
    const entries = unzipSync(archive.bytes);
    expect(Object.keys(entries)).toEqual(["labels-00001-00100.pdf", "labels-00101-00200.pdf", "labels-00201-00250.pdf"].map((n) => `${b.id}-pdf-4x6/${n}`));
    for (const [i, file] of done.labels.entries()) expect(Object.values(entries)[i]).toEqual((await downloadBytes(file.url)).bytes);
  });

  it("signed links work without a key; tampered, swapped or expired links are refused", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 2);
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    const url = new URL(done.labels[0].url);
    expect(url.searchParams.get("expires")).toMatch(/^\d+$/);
    expect(Number(url.searchParams.get("expires")) * 1000 - Date.now()).toBeGreaterThan(24 * 3600 * 1000);
    expect((await download(url.toString())).status).toBe(200);

    const tampered = new URL(url);
    tampered.searchParams.set("signature", url.searchParams.get("signature")!.replace(/^./, (c) => (c === "a" ? "b" : "a")));
    const later = new URL(url);
    later.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 3600));
    const otherPath = new URL(url);
    otherPath.pathname = url.pathname.replace(/\/1$/, "/2");
    const expired = signedUrl({ base: "", secret: "test-signing-secret" }, url.pathname, Date.now() - 8 * 24 * 3600 * 1000);
    for (const bad of [tampered.toString(), later.toString(), otherPath.toString(), expired]) {
      const res = await download(bad);
      expect(res.status, bad).toBe(401);
      expect(res.json.error.code).toBe("unauthorized");
    }
    // A signature never opens anything but a download.
    const sig = `expires=${url.searchParams.get("expires")}&signature=${url.searchParams.get("signature")}`;
    expect((await api(null, `/v1/batches/${b.id}?${sig}`)).status).toBe(401);
  });

  it("downloads with the API key too, and not with another account's", async () => {
    const { key } = await newAccount();
    const other = await newAccount();
    const b = await readyBatch(key, 1);
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    expect((await api(key, `/v1/batches/${b.id}/labels/1`)).status).toBe(200);
    expect((await api(other.key, `/v1/batches/${b.id}/labels/1`)).status).toBe(404);
    expect((await api(key, `/v1/batches/${b.id}/labels/9`)).status).toBe(404);
    const s = done.shipments.data[0];
    const own = await downloadBytes(s.label_url);
    expect(own.type).toBe("application/pdf");
    const doc = await loadPdf(own.bytes);
    expect(trackingOf(decodeCode128(barcodeModules(doc.getPage(0), 80)))).toBe(s.tracking_number);
  });

  it("files are written while a big batch is still purchasing; a failed shipment leaves no page", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 150, (i) => ({ reference: i === 149 ? "sandbox:transient" : `r-${i}` }));
    await purchase(key, b.id);
    const partial = await waitFor(key, b.id, (x) => x.labels.length === 1);
    expect(partial.status).toBe("purchasing");
    expect(partial.labels[0]).toMatchObject({ count: 100, first_position: 1, last_position: 100 });
    const stuck = partial.shipments.data[149];
    const worker = (await import("../../src/index")).default;
    const { createMessageBatch } = await import("cloudflare:test");
    await worker.queue(createMessageBatch("batch-purchases-dlq", [{ id: "dlq-1", timestamp: new Date(), attempts: 6, body: { batch_id: b.id, shipment_id: stuck.id } }]) as MessageBatch, env);
    const done = await waitFor(key, b.id, isFinal);
    expect(done.status).toBe("completed");
    expect(done.labels.map((l: any) => [l.count, l.first_position, l.last_position])).toEqual([[100, 1, 100], [49, 101, 149]]);
  });

  it("an EPL2 set: one N…P1 form a label, each carrying its tracking number; letter sheets are PDF only", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 3);
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    const bad = await api(key, `/v1/batches/${b.id}/labels`, { body: { format: "epl2", layout: "letter" } });
    expect([bad.status, bad.json.error.details]).toEqual([400, [{ path: "layout", message: "Letter sheets are PDF only; ZPL and EPL2 are 4x6" }]]);
    expect((await api(key, `/v1/batches/${b.id}/labels`, { body: { format: "zpl", layout: "letter" } })).status).toBe(400);
    expect((await api(key, `/v1/batches/${b.id}/labels`, { body: { format: "epl2" } })).status).toBe(202);
    const after = await waitFor(key, b.id, (x) => x.labels.length === 2);
    expect(after.labels[1]).toMatchObject({ format: "epl2", layout: "4x6", count: 3 });
    expect(after.label_sets[1]).toMatchObject({ format: "epl2", status: "ready" });
    const epl = await downloadBytes(after.labels[1].url);
    expect(epl.type).toBe("application/octet-stream");
    const text = new TextDecoder("latin1").decode(epl.bytes);
    expect(text.match(/^N$/gm)).toHaveLength(3);
    expect(text.match(/^P1$/gm)).toHaveLength(3);
    for (const s of done.shipments.data) expect(text).toContain(s.tracking_number);
  });

  it("another set in ZPL and on letter sheets; voided shipments are absent from the new files", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 3);
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    const [s1, s2, s3] = done.shipments.data;
    await api(key, `/v1/batches/${b.id}/shipments/${s2.id}/void`, { method: "POST" });

    expect((await api(key, `/v1/batches/${b.id}/labels`, { body: { format: "zpl", layout: "4x6" } })).status).toBe(202);
    expect((await api(key, `/v1/batches/${b.id}/labels`, { body: { format: "pdf", layout: "letter" } })).status).toBe(202);
    const after = await waitFor(key, b.id, (x) => x.labels.length === 3);
    expect(after.status).toBe("completed");
    expect(after.labels.map((l: any) => [l.format, l.layout, l.count])).toEqual([["pdf", "4x6", 3], ["zpl", "4x6", 2], ["pdf", "letter", 2]]);

    const zpl = await downloadBytes(after.labels[1].url);
    expect(zpl.type).toMatch(/^text\/plain/);
    const text = new TextDecoder().decode(zpl.bytes);
    expect(text.match(/\^XA/g)).toHaveLength(2);
    expect(text.match(/\^XZ/g)).toHaveLength(2);
    expect(text).toContain("^PW812");
    expect([...text.matchAll(/\^BCN[^\^]*\^FD([^^]+)\^FS/g)].map((m) => m[1].split(">8").pop())).toEqual([s1.tracking_number, s3.tracking_number]);

    const letter = await loadPdf((await downloadBytes(after.labels[2].url)).bytes);
    expect(letter.getPageCount()).toBe(1);
    expect(Object.values(letter.getPage(0).getSize())).toEqual([612, 792]);
    const onSheet = [decodeCode128(barcodeModules(letter.getPage(0), 260, 90, 0, 306)), decodeCode128(barcodeModules(letter.getPage(0), 260, 90, 306, 306))].map(trackingOf);
    expect(onSheet).toEqual([s1.tracking_number, s3.tracking_number]);
  });

  it("refuses label files before the purchase has finished, and bad bodies", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 1);
    const early = await api(key, `/v1/batches/${b.id}/labels`, { body: { format: "zpl" } });
    expect(early.status).toBe(409);
    expect(early.json.error.message).toContain("ready");
    expect((await api(key, `/v1/batches/${b.id}/labels`, { body: { format: "png" } })).json.error.code).toBe("validation_failed");
    expect((await api(key, `/v1/batches/${b.id}/scan_form`, { method: "POST" })).status).toBe(409);
  });

  it("a SCAN form lists every bought shipment with totals and a barcode", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 3);
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    const posted = await api(key, `/v1/batches/${b.id}/scan_form`, { method: "POST" });
    expect(posted.status).toBe(202);
    expect(posted.json.scan_forms).toEqual([expect.objectContaining({ status: "generating", url: null })]);
    const res = { json: await waitFor(key, b.id, (x) => x.scan_forms.every((f: any) => f.status === "ready")) };
    expect(res.json.scan_forms).toEqual([expect.objectContaining({ id: expect.stringMatching(/^sf_/), carrier: "usps", shipment_count: 3 })]);
    const doc = await loadPdf((await downloadBytes(res.json.scan_forms[0].url)).bytes);
    const text = pageText(doc.getPage(0));
    expect(text).toContain("SHIPMENT MANIFEST");
    expect(text).toContain(`Shipments: 3`);
    expect(text).toContain(`Total postage: ${done.total_amount} USD`);
    for (const s of done.shipments.data) expect(text).toContain(s.tracking_number);
    expect(decodeCode128(barcodeModules(doc.getPage(0), 650, 45, 0, 612))).toBe(res.json.scan_forms[0].id);
  });

  it("SCAN forms: one per carrier (and origin), each listing only its own carrier's bought, not voided labels", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 5, (i) => ({ service: ["usps_priority", "ups_ground", "fedex_2day", "ups_ground", "usps_priority"][i] }));
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    const voided = done.shipments.data[3];
    await api(key, `/v1/batches/${b.id}/shipments/${voided.id}/void`, { method: "POST" });
    expect((await api(key, `/v1/batches/${b.id}/scan_form`, { method: "POST" })).status).toBe(202);
    const res = { json: await waitFor(key, b.id, (x) => x.scan_forms.length > 0 && x.scan_forms.every((f: any) => f.status === "ready")) };
    expect(res.json.scan_forms.map((f: any) => [f.carrier, f.shipment_count]).sort()).toEqual([["fedex", 1], ["ups", 1], ["usps", 2]]);
    for (const form of res.json.scan_forms) {
      const text = pageText((await loadPdf((await downloadBytes(form.url)).bytes)).getPage(0));
      for (const s of done.shipments.data) {
        const listed = s.carrier === form.carrier && s.id !== voided.id;
        expect(text.includes(s.tracking_number), `${form.carrier} ${s.tracking_number}`).toBe(listed);
      }
    }
  });

  it("label sets: each file names its set; a new set is generating until whole, then ready; a void makes stale every set holding the label", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 3);
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, (x) => isFinal(x) && x.label_sets.every((s: any) => s.status === "ready"));
    expect(done.label_sets).toEqual([expect.objectContaining({
      id: expect.stringMatching(/^ls_/), format: "pdf", layout: "4x6", status: "ready", label_count: 3, file_count: 1, stale: false, completed_at: expect.any(String),
    })]);
    const first = done.label_sets[0];
    expect(done.labels.map((f: any) => f.label_set_id)).toEqual([first.id]);
    const made = await api(key, `/v1/batches/${b.id}/labels`, { body: { format: "zpl", layout: "4x6" } });
    expect(made.status).toBe(202);
    const zplSet = made.json.label_sets.at(-1);
    expect(zplSet).toMatchObject({ format: "zpl", status: "generating", file_count: 0, stale: false, completed_at: null });
    const both = await waitFor(key, b.id, (x) => x.label_sets.at(-1).status === "ready");
    expect(both.label_sets.at(-1)).toMatchObject({ id: zplSet.id, label_count: 3, file_count: 1 });
    expect(both.labels.map((f: any) => f.label_set_id)).toEqual([first.id, zplSet.id]);
    // A void: both sets hold the label now; a set made after it leaves it out and is not stale.
    await api(key, `/v1/batches/${b.id}/shipments/${done.shipments.data[1].id}/void`, { method: "POST" });
    const voided = (await api(key, `/v1/batches/${b.id}`)).json;
    expect(voided.label_sets.map((s: any) => s.stale)).toEqual([true, true]);
    await api(key, `/v1/batches/${b.id}/labels`, { body: { format: "pdf", layout: "letter" } });
    const after = await waitFor(key, b.id, (x) => x.label_sets.length === 3 && x.label_sets[2].status === "ready");
    expect(after.label_sets.map((s: any) => [s.layout, s.stale, s.label_count])).toEqual([["4x6", true, 3], ["4x6", true, 3], ["letter", false, 2]]);
  });

  it("a lost SCAN form job is queued again by the batch's timer; a form stored the old way (one object) still reads", async () => {
    const { vi } = await import("vitest");
    const { key } = await newAccount();
    const b = await readyBatch(key, 2);
    await purchase(key, b.id);
    await waitFor(key, b.id, isFinal);
    const lost = vi.spyOn(env.LABEL_QUEUE, "send").mockResolvedValue(undefined as never);
    expect((await api(key, `/v1/batches/${b.id}/scan_form`, { method: "POST" })).status).toBe(202);
    expect(lost).toHaveBeenCalled();
    lost.mockRestore();
    await new Promise((r) => setTimeout(r, 300));
    expect((await api(key, `/v1/batches/${b.id}`)).json.scan_forms.map((f: any) => f.status)).toEqual(["generating"]);
    await passTime(b.id, 21_000);
    const ready = await waitFor(key, b.id, (x) => x.scan_forms.every((f: any) => f.status === "ready"));
    expect((await downloadBytes(ready.scan_forms[0].url)).type).toBe("application/pdf");
    // A batch manifested before forms were per carrier kept one object in the column.
    const old = { id: "sf_OLD", shipment_count: 2, created_at: ready.scan_forms[0].created_at, key: `scan_forms/${b.id}/${ready.scan_forms[0].id}.pdf` };
    await inBatch(b.id, (db) => db.prepare("UPDATE batches SET scan_form = ? WHERE id = ?").bind(JSON.stringify(old), b.id).run());
    const shown = (await api(key, `/v1/batches/${b.id}`)).json.scan_forms;
    expect(shown).toEqual([expect.objectContaining({ id: "sf_OLD", carrier: "usps", status: "ready", shipment_count: 2 })]);
    expect((await downloadBytes(shown[0].url)).type).toBe("application/pdf");
    await passTime(b.id, 60_000); // the timers read the column too, and must not trip on it
    expect((await api(key, `/v1/batches/${b.id}`)).json.scan_forms[0].id).toBe("sf_OLD");
  });

  it("a label file whose message was lost is written again by the batch's alarm", async () => {
    const { vi } = await import("vitest");
    const { key } = await newAccount();
    const b = await readyBatch(key, 2);
    // The label queue swallows the file's message: nothing will ever write it.
    const lost = vi.spyOn(env.LABEL_QUEUE, "sendBatch").mockResolvedValue(undefined as never);
    await purchase(key, b.id);
    const stuck = await waitFor(key, b.id, (x) => x.status === "generating_labels");
    expect(lost).toHaveBeenCalled();
    lost.mockRestore();
    await new Promise((r) => setTimeout(r, 1500));
    expect((await api(key, `/v1/batches/${b.id}`)).json).toMatchObject({ status: "generating_labels", labels: [] });
    await passTime(b.id, 60_000);
    const done = await waitFor(key, b.id, isFinal);
    expect(done.status).toBe("completed");
    expect(done.labels).toHaveLength(1);
    expect(done.labels[0].count).toBe(2);
  });
});

describe("files where nothing was bought", () => {
  it("need no job; when the last shipments to finish all failed, the batch completes with them", async () => {
    const { runInDurableObject } = await import("cloudflare:test");
    const { addSet, emptyPlan } = await import("../../src/batch/label-plan");
    const { key } = await newAccount();
    const b = await readyBatch(key, 101);
    const ids: string[] = (await api(key, `/v1/batches/${b.id}/shipments?limit=101`)).json.data.map((s: any) => s.id);
    // A purchase in progress with no messages in flight: the test plays the purchase consumer.
    const { putFiles } = await import("../../src/batch/object-sql");
    await inBatch(b.id, (db) => db.batch([
      db.prepare("UPDATE batches SET status = 'purchasing', counts = json_set(counts, '$.queued', 101, '$.valid', 0) WHERE id = ?").bind(b.id),
      db.prepare("UPDATE shipments SET status = 'queued' WHERE batch_id = ?").bind(b.id),
      ...putFiles(db, addSet(emptyPlan(), ids.map((_, i) => i + 1), "pdf", "4x6", true).files),
    ]));
    const stub = env.BATCH.get(env.BATCH.idFromName(b.id));
    const now = new Date().toISOString();
    const first: any = await stub.recordPurchases(b.id, ids.slice(0, 100).map((id, i) => ({
      shipment_id: id, status: "purchased" as const, tracking_number: `9400${String(i).padStart(18, "0")}`, label_key: `labels/${b.id}/${id}.pdf`,
      rate_cents: 100, rate_expires_at: null, purchased_at: now, fees: [{ type: "PostageFee", amount: "1.00" }], charged_cents: 100,
    })));
    expect(first.row.status).toBe("purchasing");
    await waitFor(key, b.id, (x) => x.labels.length === 1);
    const last: any = await stub.recordPurchases(b.id, [{ shipment_id: ids[100], status: "purchase_failed" as const, message: "Declined" }]);
    expect(last.row.status).toBe("completed");
    const done = (await api(key, `/v1/batches/${b.id}`)).json;
    expect(done).toMatchObject({ status: "completed", counts: { purchased: 100, purchase_failed: 1 } });
    expect(done.labels.map((f: any) => [f.count, f.first_position, f.last_position])).toEqual([[100, 1, 100]]);
  });
});
