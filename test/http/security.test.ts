// Another account's objects are invisible (404, nothing of them in the body), and nothing answers
// without a key (401): one walk over every route that names an object.
import { describe, expect, it } from "vitest";
import { api, isFinal, newAccount, readyBatch, waitFor } from "../helpers";

describe("another account's objects", () => {
  it("every route answers 404 to another account's key and 401 without a key, revealing nothing", async () => {
    const owner = await newAccount();
    const b = await readyBatch(owner.key, 2, () => ({ reference: "secret-order-ref" }));
    await api(owner.key, `/v1/batches/${b.id}/purchase`, { body: {} });
    const done = await waitFor(owner.key, b.id, (x) => isFinal(x) && x.labels.length > 0);
    await api(owner.key, `/v1/batches/${b.id}/scan_form`, { method: "POST" });
    const withForm = await waitFor(owner.key, b.id, (x) => x.scan_forms.length > 0 && x.scan_forms.every((f: any) => f.status === "ready"));
    const [s1, s2] = done.shipments.data;
    const hook = (await api(owner.key, "/v1/webhooks", { body: { url: "https://hooks.example.com/x" } })).json;
    const event = (await api(owner.key, `/v1/events?batch_id=${b.id}`)).json.data[0];
    const form = withForm.scan_forms[0].id;
    const routes: [string, string, unknown?][] = [
      ["GET", `/v1/batches/${b.id}`],
      ["GET", `/v1/batches/secret-order-ref`],
      ["GET", `/v1/batches/${b.id}/shipments`],
      ["GET", `/v1/batches/${b.id}/stream`],
      ["POST", `/v1/batches/${b.id}/stream_token`, {}],
      ["POST", `/v1/batches/${b.id}/add_shipments`, { shipments: [{}] }],
      ["POST", `/v1/batches/${b.id}/remove_shipments`, { shipment_ids: [s1.id] }],
      ["PATCH", `/v1/batches/${b.id}/shipments/${s1.id}`, { reference: "x" }],
      ["POST", `/v1/batches/${b.id}/purchase`, {}],
      ["POST", `/v1/batches/${b.id}/cancel`, {}],
      ["POST", `/v1/batches/${b.id}/shipments/${s2.id}/void`, {}],
      ["POST", `/v1/batches/${b.id}/labels`, { format: "zpl" }],
      ["GET", `/v1/batches/${b.id}/labels/1`],
      ["GET", `/v1/batches/${b.id}/label_sets/${done.label_sets[0].id}/archive`],
      ["GET", `/v1/batches/${b.id}/shipments/${s1.id}/label`],
      ["POST", `/v1/batches/${b.id}/scan_form`, {}],
      ["GET", `/v1/batches/${b.id}/scan_forms/${form}`],
      ["GET", `/v1/events/${event.id}`],
      ["DELETE", `/v1/webhooks/${hook.id}`],
    ];
    const other = await newAccount();
    for (const [method, path, body] of routes) {
      const res = await api(other.key, path, { method, ...(body !== undefined ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json.error.code).toBe("not_found");
      for (const secret of [b.id, s1.id, s2.id, "secret-order-ref", hook.id, event.id, form, done.shipments.data[0].tracking_number]) {
        expect(res.text, `${method} ${path} shows ${secret}`).not.toContain(secret);
      }
      const anonymous = await api(null, path, { method, ...(body !== undefined ? { body } : {}) });
      expect(anonymous.status, `no key: ${method} ${path}`).toBe(401);
    }
    // And nothing changed for the owner.
    const after = (await api(owner.key, `/v1/batches/${b.id}`)).json;
    expect(after).toMatchObject({ status: "completed", counts: { purchased: 2, voided: 0 }, label_sets: [expect.anything()] });
    expect((await api(owner.key, "/v1/webhooks")).json.data).toHaveLength(1);
  });
});
