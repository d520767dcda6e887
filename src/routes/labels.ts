import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { batchObject, batchByKeyOrLink, ownedBatch, presentBatch, shipmentByKeyOrLink, unwrap } from "../batch/client";
import { jsonBody, parseBody } from "../http/body";
import type { App, AppEnv } from "../http/context";
import { ApiError, notFound } from "../http/errors";
import { route } from "../http/route";
import { BatchIdParam, IdempotencyKeyHeader, KEY_OR_SIGNED, ShipmentParams, SignedQuery } from "../http/openapi";

import { labelDataOf } from "../labels/data";
import { renderLabelPdf } from "../labels/draw";
import type { LabelFile } from "../labels/messages";
import { storedScanForms } from "../labels/scan-forms";
import { downloadZip } from "client-zip";
import type { LabelSet } from "../batch/label-sets";
import { BatchSummary, LabelsBody } from "../schemas/batch";
import { json } from "../schemas/common";
import { errorResponses } from "../http/openapi";

const file = (description: string, types: string[]) => ({
  description, content: Object.fromEntries(types.map((t) => [t, { schema: z.string().openapi({ format: "binary" }) }])),
});

async function serve(c: Context<AppEnv>, key: string, filename: string) {
  const object = await c.env.LABELS.get(key);
  if (!object) throw notFound("file");
  return new Response(object.body, {
    headers: {
      "content-type": object.httpMetadata?.contentType ?? "application/octet-stream",
      "content-disposition": `inline; filename="${filename}"`,
      "cache-control": "private, max-age=3600",
    },
  });
}

export function registerLabelRoutes(app: App) {
  route(app, createRoute({
    method: "post", path: "/v1/batches/{id}/labels", operationId: "createLabelSet", tags: ["Labels"], summary: "Write the batch's labels again in another format or layout",
    description: "A new set of merged files (at most 100 labels each, in position order) over the shipments bought now, so voided ones are left out. Files appear in `labels` as they are written; the batch keeps every set. Allowed once the purchase has finished.",
    request: { params: BatchIdParam, headers: IdempotencyKeyHeader, body: { content: { "application/json": { schema: LabelsBody } } } },
    responses: { 202: json(BatchSummary, "Accepted; files are being written"), ...errorResponses(400, 404, 409, 415) },
  }), async (c) => {
    const row = await ownedBatch(c, c.req.param("id")!);
    const body = await jsonBody(c, LabelsBody);
    return c.json(presentBatch(c, unwrap(await batchObject(c.env, row.id).requestLabels(row.id, body.format, body.layout)).row), 202);
  });

  route(app, createRoute({
    method: "get", path: "/v1/batches/{id}/labels/{n}", operationId: "getLabelFile", tags: ["Labels"], summary: "Download merged label file n",
    description: "With the API key, or through the signed `url` in `labels` (no key needed until it expires).",
    request: { params: BatchIdParam.extend({ n: z.coerce.number().int().min(1).openapi({ param: { name: "n", in: "path" }, type: "integer", example: 1 }) }), query: SignedQuery },
    security: KEY_OR_SIGNED,
    responses: { 200: file("The merged file", ["application/pdf", "text/plain"]), ...errorResponses(404) },
  }), async (c) => {
    const row = await batchByKeyOrLink(c, c.req.param("id")!);
    const n = Number(c.req.param("n"));
    const entry = (JSON.parse(row.labels) as LabelFile[]).find((f) => f.n === n);
    if (!entry) throw notFound("label file");
    return serve(c, entry.key, `${row.id}-${n}.${entry.format}`);
  });

  route(app, createRoute({
    method: "get", path: "/v1/batches/{id}/customs_forms/{n}", operationId: "getCustomsForms", tags: ["Labels"], summary: "Download the customs documents merged with label file n",
    description: "The customs documents (a CN 23 for USPS, a commercial invoice for UPS and FedEx; one letter page per international shipment) of the shipments in the purchase's label file n, in position order. With the API key, or through the signed `url` in `customs_forms`.",
    request: { params: BatchIdParam.extend({ n: z.coerce.number().int().min(1).openapi({ param: { name: "n", in: "path" }, type: "integer", example: 1 }) }), query: SignedQuery },
    security: KEY_OR_SIGNED,
    responses: { 200: file("The merged customs documents", ["application/pdf"]), ...errorResponses(404) },
  }), async (c) => {
    const row = await batchByKeyOrLink(c, c.req.param("id")!);
    const n = Number(c.req.param("n"));
    const entry = (JSON.parse(row.labels) as LabelFile[]).find((f) => f.n === n)?.customs;
    if (!entry) throw notFound("customs forms file");
    return serve(c, entry.key, `${row.id}-customs-${n}.pdf`);
  });

  route(app, createRoute({
    method: "get", path: "/v1/batches/{id}/label_sets/{label_set_id}/archive", operationId: "getLabelSetArchive", tags: ["Labels"], summary: "Download every file of a label set as one ZIP archive",
    description: "The set's merged files written so far, in order, as one ZIP (`application/zip`), streamed from storage a file at a time. With the API key, or through the signed `archive_url` in `label_sets`.",
    request: { params: BatchIdParam.extend({ label_set_id: z.string().max(100).openapi({ param: { name: "label_set_id", in: "path" }, example: "ls_01J…" }) }), query: SignedQuery },
    security: KEY_OR_SIGNED,
    responses: { 200: file("The ZIP archive", ["application/zip"]), ...errorResponses(404) },
  }), async (c) => {
    const row = await batchByKeyOrLink(c, c.req.param("id")!);
    const set = (JSON.parse(row.label_sets) as LabelSet[]).find((s) => s.id === c.req.param("label_set_id"));
    const files = set ? (JSON.parse(row.labels) as LabelFile[]).filter((f) => (f.set ?? 1) === set.set).sort((a, b) => a.n - b.n) : [];
    if (!set || !files.length) throw notFound("label set");
    const name = `${row.reference ?? row.id}-${set.format}-${set.layout}`.replace(/[^\w.-]+/g, "_");
    // One R2 object open at a time: the archive streams as each file is read.
    async function* entries() {
      for (const f of files) {
        const object = await c.env.LABELS.get(f.key);
        if (!object) throw new Error(`label file ${f.key} is missing`);
        yield { name: `${name}/labels-${String(f.first_position).padStart(5, "0")}-${String(f.last_position).padStart(5, "0")}.${f.format}`, input: object.body, size: object.size, lastModified: object.uploaded };
      }
    }
    const zip = downloadZip(entries());
    return new Response(zip.body, { headers: {
      "content-type": "application/zip", "content-disposition": `attachment; filename="${name}.zip"`, "cache-control": "private, max-age=3600",
    } });
  });

  route(app, createRoute({
    method: "get", path: "/v1/batches/{id}/shipments/{shipment_id}/label", operationId: "getShipmentLabel", tags: ["Labels"], summary: "Download one shipment's label",
    request: { params: ShipmentParams, query: SignedQuery },
    security: KEY_OR_SIGNED,
    responses: { 200: file("The label PDF", ["application/pdf"]), ...errorResponses(404) },
  }), async (c) => {
    const s = await shipmentByKeyOrLink(c, c.req.param("id")!, c.req.param("shipment_id")!);
    if (!s.label_key || !s.tracking_number || s.status !== "purchased") throw notFound("label");
    // Drawn on first download from what was bought, then served from R2.
    if (!(await c.env.LABELS.head(s.label_key))) {
      const pdf = await renderLabelPdf(labelDataOf(s, s.tracking_number, s.purchased_at!));
      await c.env.LABELS.put(s.label_key, pdf, { httpMetadata: { contentType: "application/pdf" } });
    }
    return serve(c, s.label_key, `${s.id}.pdf`);
  });

  route(app, createRoute({
    method: "post", path: "/v1/batches/{id}/scan_form", operationId: "createScanForms", tags: ["Labels"], summary: "Make SCAN forms (manifests) for the bought shipments",
    description: "One manifest per carrier and origin address, over the bought, not voided shipments: each lists its own carrier's tracking numbers with totals and one barcode to scan at pickup. Test batches get a manifest drawn by this service; live batches get EasyPost's own scan form (`POST /scan_forms`) for each carrier. They are written in the background: the batch answers at once with each form `generating`, and each becomes `ready` (its `url` then downloads it) within seconds. EasyPost makes a form later (`creating`): it is followed until EasyPost says `created` or `failed`; a failed form shows EasyPost's `message` and is never sent again by itself. Making them again replaces a test batch's `scan_forms`; a live shipment is on one EasyPost form at most, so for a live batch only bought shipments on no form (or on a failed one) go on new forms, and the forms already made stay.",
    request: { params: BatchIdParam, headers: IdempotencyKeyHeader },
    responses: { 202: json(BatchSummary, "Accepted: the batch with its new `scan_forms`, `generating`"), ...errorResponses(404, 409) },
  }), async (c) => {
    const row = await ownedBatch(c, c.req.param("id")!);
    await parseBody(c);
    return c.json(presentBatch(c, unwrap(await batchObject(c.env, row.id).requestScanForms(row.id)).row), 202);
  });

  route(app, createRoute({
    method: "get", path: "/v1/batches/{id}/scan_forms/{scan_form_id}", operationId: "getScanForm", tags: ["Labels"], summary: "Download one SCAN form",
    description: "With the API key, or through the signed `url` in `scan_forms`.",
    request: { params: BatchIdParam.extend({ scan_form_id: z.string().max(100).openapi({ param: { name: "scan_form_id", in: "path" }, example: "sf_01JQ…" }) }), query: SignedQuery },
    security: KEY_OR_SIGNED,
    responses: { 200: file("The manifest PDF", ["application/pdf"]), ...errorResponses(404) },
  }), async (c) => {
    const row = await batchByKeyOrLink(c, c.req.param("id")!);
    const form = storedScanForms(row.scan_form).find((f) => f.id === c.req.param("scan_form_id"));
    if (!form || form.status !== "ready") throw notFound("scan form");
    return serve(c, form.key, `${row.id}-${form.carrier}-scan-form.pdf`);
  });
}
