// A batch's shipments: status filter, errors in words, edit in place (PATCH) or remove an invalid
// shipment, void a bought one.
import { useEffect, useRef, useState } from "preact/hooks";
import { asProblem, call, idempotencyKey, money, onThisOrigin, Problem, SHIPMENT_STATUSES, type Batch, type Shipment, type ShipmentPatch, type ShipmentStatus } from "./api";
import { fieldLabel, GROUPS, valueAt, type FieldDef } from "./fields";
import { CustomsFieldset, customsPatch, customsValues } from "./CustomsFields";
import { useAction } from "./action";
import { useSession } from "./session-context";
import { Pager, ProblemText, StatusWord } from "./ui";
import { REFUND_WORDS, statusWord, STRATEGY_WORDS, useServiceNames } from "./words";

const EDITABLE_BATCH: Batch["status"][] = ["validating", "invalid", "ready"];

export function ShipmentsTable(props: {
  batch: Batch; status: ShipmentStatus | ""; onStatus: (s: ShipmentStatus | "") => void; page: number; limit: number; onPage: (p: number) => void; changed: () => void;
}) {
  const { batch } = props;
  const [editing, setEditing] = useState<string | null>(null);
  const { data, pagination } = batch.shipments;
  return (
    <section aria-labelledby="shipments-heading">
      <h2 id="shipments-heading">Shipments</h2>
      <div class="field inline">
        <label for="shipment-status">Shipment status</label>
        <select id="shipment-status" value={props.status} onChange={(e) => props.onStatus((e.target as HTMLSelectElement).value as ShipmentStatus | "")}>
          <option value="">any</option>
          {SHIPMENT_STATUSES.map((s) => <option key={s} value={s}>{statusWord(s)}{batch.counts[s] ? ` (${batch.counts[s]})` : ""}</option>)}
        </select>
      </div>
      {data.length === 0 ? <p>No shipments{props.status ? ` in “${statusWord(props.status)}”` : ""}.</p> : (
        <div class="table-wrap">
        <table class="shipments">
          <caption>Shipments in position order</caption>
          <thead><tr><th scope="col">#</th><th scope="col">Reference</th><th scope="col">Recipient</th><th scope="col">Service</th><th scope="col">Rate</th><th scope="col">Status</th><th scope="col">Details</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {data.map((s) => editing === s.id
              ? <EditRow key={s.id} batchId={batch.id} shipment={s} done={(saved) => { setEditing(null); if (saved) props.changed(); }} />
              : <Row key={s.id} batch={batch} shipment={s} onEdit={() => setEditing(s.id)} changed={props.changed} />)}
          </tbody>
        </table>
        </div>
      )}
      <Pager page={props.page} limit={props.limit} total={pagination.total_count} onPage={props.onPage} label="Shipments pages" />
    </section>
  );
}

function Row({ batch, shipment: s, onEdit, changed }: { batch: Batch; shipment: Shipment; onEdit: () => void; changed: () => void }) {
  const { client, refreshAccount } = useSession();
  const names = useServiceNames(client);
  const [confirmVoid, setConfirmVoid] = useState(false);
  const { busy, problem, run: act } = useAction(changed);
  const who = s.reference ?? `shipment ${s.position}`;

  const remove = () => act(() => call(client.POST("/v1/batches/{id}/remove_shipments", {
    params: { path: { id: batch.id }, header: { "Idempotency-Key": idempotencyKey() } }, body: { shipment_ids: [s.id] },
  })));
  const voidLabel = () => act(async () => {
    await call(client.POST("/v1/batches/{id}/shipments/{shipment_id}/void", {
      params: { path: { id: batch.id, shipment_id: s.id }, header: { "Idempotency-Key": `dashboard-void-${s.id}` } },
    }));
    setConfirmVoid(false);
    refreshAccount();
  });

  const to = s.to_address;
  return (
    <tr class={`row-${s.status}`}>
      <td>{s.position}</td>
      <th scope="row">{s.reference ?? ""}</th>
      <td>{[to.name, to.city, to.state, to.zip].filter(Boolean).join(", ")}</td>
      <td>{names.service(s.service)}{s.service_strategy && <span class="hint"> ({STRATEGY_WORDS[s.service_strategy.strategy].toLowerCase()})</span>}</td>
      <td>
        {s.charged_amount ? <>{money(s.charged_amount)}{s.charge_differs && s.rate && <span class="hint"> (shown {money(s.rate.total_amount, s.rate.currency)})</span>}</>
          : s.rate ? money(s.rate.total_amount, s.rate.currency) : ""}
      </td>
      <td><StatusWord status={s.status} /></td>
      <td>
        {s.errors && (
          <ul class="errors" aria-label={`Problems with ${who}`}>
            {Object.entries(s.errors).flatMap(([path, messages]) => messages.map((m) => <li key={path + m}><strong>{fieldLabel(path)}</strong>: {m}</li>))}
          </ul>
        )}
        {s.message && <p class="failure">{s.message}</p>}
        {s.tracking_number && <p>Tracking <code>{s.tracking_number}</code></p>}
        {s.label_url && <p><a href={onThisOrigin(s.label_url)} aria-label={`Label of ${who}`}>Label</a></p>}
        {s.warnings && (
          <ul class="warnings" aria-label={`Warnings for ${who}`}>
            {Object.entries(s.warnings).flatMap(([path, messages]) => messages.map((m) => <li key={path + m}><strong>{fieldLabel(path)}</strong>: {m}</li>))}
          </ul>
        )}
        {s.verified_to_address && (
          <p class="hint">Delivered to the address as the carrier verified it: {[s.verified_to_address.street1, s.verified_to_address.street2, s.verified_to_address.city, s.verified_to_address.state, s.verified_to_address.zip].filter(Boolean).join(", ")}</p>
        )}
        {s.refund_status && <p>{REFUND_WORDS[s.refund_status] ?? s.refund_status}</p>}
        <ProblemText problem={problem} />
      </td>
      <td class="actions">
        {s.status === "invalid" && EDITABLE_BATCH.includes(batch.status) && (
          <>
            <button type="button" onClick={onEdit}>Edit</button>
            <button type="button" class="secondary" disabled={busy} onClick={remove}>Remove</button>
          </>
        )}
        {s.status === "purchased" && !confirmVoid && <button type="button" class="secondary" onClick={() => setConfirmVoid(true)}>Void</button>}
        {s.status === "purchased" && confirmVoid && (
          <div role="group" aria-label={`Void the label of ${who}?`}>
            <p>Void this label? {s.charged_amount && `${money(s.charged_amount)} returns to the balance${batch.mode === "live" ? " once the carrier refunds it" : ""}.`}</p>
            <button type="button" class="danger" disabled={busy} onClick={voidLabel}>Confirm void</button>
            <button type="button" class="secondary" onClick={() => setConfirmVoid(false)}>Keep label</button>
          </div>
        )}
      </td>
    </tr>
  );
}

const inputId = (shipmentId: string, path: string) => `edit-${shipmentId}-${path.replace(/\W/g, "-")}`;

function EditRow({ batchId, shipment: s, done }: { batchId: string; shipment: Shipment; done: (saved: boolean) => void }) {
  const { client } = useSession();
  const names = useServiceNames(client);
  const initial = (f: FieldDef) => {
    const v = valueAt(s, f.path);
    return v === null || v === undefined ? "" : String(v);
  };
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(GROUPS.flatMap((g) => g.fields).map((f) => [f.path, initial(f)])));
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  // Field errors: what validation said about the shipment, then what the PATCH itself answered.
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>(s.errors ?? {});
  const customsBefore = customsValues(s);
  const [customs, setCustoms] = useState(customsBefore);
  // Customs show for a destination abroad (as typed now) or a shipment that already declares some.
  const abroad = (values["to_address.country"].trim().toUpperCase() || "US") !== "US" || s.customs !== null;

  async function save(e: Event) {
    e.preventDefault();
    const patch: Record<string, unknown> = {};
    for (const f of GROUPS.flatMap((g) => g.fields)) {
      const raw = values[f.path].trim();
      if (raw === initial(f)) continue;
      const value = raw === "" ? null : f.kind === "number" ? Number(raw) : raw;
      if (f.kind === "number" && raw !== "" && !Number.isFinite(value)) {
        setFieldErrors({ [f.path]: ["Must be a number"] });
        return;
      }
      const [head, tail] = f.path.split(".");
      if (tail) patch[head] = { ...(patch[head] as object), [tail]: value };
      else patch[head] = value;
    }
    const declared = customsPatch(customsBefore, customs);
    if (Object.keys(declared.errors).length) {
      setFieldErrors(declared.errors);
      return;
    }
    if (declared.patch) patch.customs = declared.patch;
    if (Object.keys(patch).length === 0) {
      setProblem(new Problem("nothing_changed", "Nothing was changed: correct a field first, or discard."));
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await call(client.PATCH("/v1/batches/{id}/shipments/{shipment_id}", { params: { path: { id: batchId, shipment_id: s.id } }, body: patch as ShipmentPatch }));
      done(true);
    } catch (err) {
      const p = asProblem(err);
      const byField: Record<string, string[]> = {};
      for (const d of p.details) (byField[d.path] ??= []).push(d.message);
      setFieldErrors(byField);
      setProblem(p);
    } finally {
      setBusy(false);
    }
  }

  // Keyboard and screen-reader users land on the first field that is wrong.
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    (form.current?.querySelector<HTMLElement>("[aria-invalid='true']") ?? form.current?.querySelector("input"))?.focus();
  }, []);

  const known = new Set(GROUPS.flatMap((g) => g.fields.map((f) => f.path)));
  const other = Object.entries(fieldErrors).filter(([p]) => !known.has(p) && !(abroad && p.startsWith("customs")));
  return (
    <tr class="editing">
      <td colSpan={8}>
        <form ref={form} onSubmit={save} aria-labelledby={`${inputId(s.id, "heading")}`} noValidate>
          <h3 id={inputId(s.id, "heading")}>Edit shipment {s.position}{s.reference ? ` (${s.reference})` : ""}</h3>
          {other.length > 0 && <ul class="errors">{other.flatMap(([p, ms]) => ms.map((m) => <li key={p + m}><strong>{fieldLabel(p)}</strong>: {m}</li>))}</ul>}
          {GROUPS.map((g) => (
            <fieldset key={g.legend}>
              <legend>{g.legend}</legend>
              {g.fields.map((f) => {
                const id = inputId(s.id, f.path);
                const errs = fieldErrors[f.path];
                return (
                  <div class={`field${f.width ? ` ${f.width}` : ""}`} key={f.path}>
                    <label for={id}>{f.label}</label>
                    {f.kind === "service" ? (
                      <select id={id} value={values[f.path]} aria-invalid={errs ? true : undefined} aria-describedby={errs ? `${id}-error` : undefined}
                        onChange={(e) => setValues({ ...values, [f.path]: (e.target as HTMLSelectElement).value })}>
                        <option value="">the batch's default</option>
                        {values[f.path] && !names.services.some((x) => x.id === values[f.path]) && !STRATEGY_WORDS[values[f.path]] && <option value={values[f.path]}>{values[f.path]}</option>}
                        {Object.entries(STRATEGY_WORDS).map(([id, word]) => <option key={id} value={id}>{word}</option>)}
                        {names.services.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
                      </select>
                    ) : (
                      <input id={id} inputMode={f.kind === "number" ? "decimal" : undefined} value={values[f.path]}
                        aria-invalid={errs ? true : undefined} aria-describedby={errs ? `${id}-error` : undefined}
                        onInput={(e) => setValues({ ...values, [f.path]: (e.target as HTMLInputElement).value })} />
                    )}
                    {errs && <p class="field-error" id={`${id}-error`}>{errs.join("; ")}</p>}
                  </div>
                );
              })}
            </fieldset>
          ))}
          {abroad && <CustomsFieldset id={(p) => inputId(s.id, p)} values={customs} onChange={setCustoms} errors={fieldErrors} />}
          <ProblemText problem={problem} />
          <div class="buttons">
            <button type="submit" disabled={busy}>Save</button>
            <button type="button" class="secondary" onClick={() => done(false)}>Discard changes</button>
          </div>
        </form>
      </td>
    </tr>
  );
}
