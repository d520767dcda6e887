// The batch's merged files as they are written, grouped by set; more sets (ZPL, letter) and SCAN forms on request.
import { call, idempotencyKey, onThisOrigin, type Batch } from "./api";
import { useAction } from "./action";
import { useSession } from "./session-context";
import { formatTime, ProblemText } from "./ui";
import { useServiceNames } from "./words";

type LabelFile = Batch["labels"][number];
const AFTER_PURCHASE: Batch["status"][] = ["completed", "timed_out"];

const fileNumber = (url: string) => /\/labels\/(\d+)/.exec(new URL(url, location.href).pathname)?.[1] ?? "";
const describe = (f: LabelFile) => `${f.format.toUpperCase()}, ${f.layout === "letter" ? "letter" : "4×6"}`;

export function LabelFiles({ batch, changed }: { batch: Batch; changed: () => void }) {
  const { client } = useSession();
  const names = useServiceNames(client);
  const { busy, problem, run: act } = useAction(changed);
  const sets = batch.label_sets;
  const filesOf = (setId: string | null) => batch.labels.filter((f) => f.label_set_id === setId);
  const orphans = batch.labels.filter((f) => !sets.some((s) => s.id === f.label_set_id));
  const canMake = AFTER_PURCHASE.includes(batch.status) && batch.counts.purchased > 0;

  const makeSet = (format: "pdf" | "zpl" | "epl2", layout: "4x6" | "letter") => act(() => call(client.POST("/v1/batches/{id}/labels", {
    params: { path: { id: batch.id }, header: { "Idempotency-Key": idempotencyKey() } }, body: { format, layout },
  })));
  const makeScanForm = () => act(() => call(client.POST("/v1/batches/{id}/scan_form", {
    params: { path: { id: batch.id }, header: { "Idempotency-Key": idempotencyKey() } },
  })));

  if (batch.labels.length === 0 && sets.length === 0 && !canMake) return null;
  const list = (files: LabelFile[]) => (
    <ul class="files">
      {files.map((f) => {
        const n = fileNumber(f.url);
        return (
          <li key={f.url}>
            <a href={onThisOrigin(f.url)} download={`${batch.reference ?? batch.id}-labels-${n}.${f.format}`}>
              Download labels {f.first_position}–{f.last_position} ({describe(f)})
            </a>{" "}
            <span class="hint">{f.count} label{f.count === 1 ? "" : "s"}</span>
          </li>
        );
      })}
    </ul>
  );
  return (
    <section aria-labelledby="files-heading">
      <h2 id="files-heading">Label files</h2>
      <div aria-live="polite">
        {sets.map((s) => {
          // Counted from the links listed, so the words and the links always agree.
          const files = filesOf(s.id);
          const labels = files.reduce((a, f) => a + f.count, 0);
          const name = `${s.format.toUpperCase()} ${s.layout === "letter" ? "letter" : "4×6"}`;
          return (
            <div key={s.id} class="label-set">
              <h3>{name}: <span class={`status status-${s.status}`}>{s.status === "ready" ? "all files written" : "files being written"}</span>{s.stale && " (stale: a label in it was voided since)"}</h3>
              <p class="hint">{files.length} file{files.length === 1 ? "" : "s"}, {labels} label{labels === 1 ? "" : "s"}{s.completed_at ? `, written ${formatTime(s.completed_at)}` : ""}</p>
              {s.archive_url && (
                <p><a href={onThisOrigin(s.archive_url)} download={`${batch.reference ?? batch.id}-${s.format}-${s.layout}.zip`}>Download all of the {name} set as one ZIP ({files.length} file{files.length === 1 ? "" : "s"})</a></p>
              )}
              {list(files)}
            </div>
          );
        })}
        {orphans.length > 0 && list(orphans)}
      </div>
      {canMake && (
        <div class="buttons">
          <button type="button" disabled={busy} onClick={() => makeSet("zpl", "4x6")}>Make a ZPL set</button>
          <button type="button" disabled={busy} onClick={() => makeSet("epl2", "4x6")}>Make an EPL2 set</button>
          <button type="button" disabled={busy} onClick={() => makeSet("pdf", "letter")}>Make a letter set</button>
          <button type="button" disabled={busy} onClick={makeScanForm}>Make scan form</button>
        </div>
      )}
      {batch.pickups.length > 0 && (
        <>
          <h3>Pickups</h3>
          <ul class="files">
            {batch.pickups.map((p) => (
              <li key={p.id}>
                {names.carrier(p.carrier)} pickup, {formatTime(p.min_datetime)} to {formatTime(p.max_datetime)}, {p.shipment_count} shipment{p.shipment_count === 1 ? "" : "s"}:{" "}
                {p.status === "scheduled" ? <span>scheduled, confirmation {p.confirmation}{p.amount && p.amount !== "0.00" ? `, $${p.amount}` : ""}</span>
                  : p.status === "failed" ? <span class="failure">failed: {p.message}</span>
                  : p.status === "cancelled" ? <span>cancelled</span> : <span>being scheduled…</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      {batch.customs_forms.length > 0 && (
        <>
          <h3>Customs documents</h3>
          <ul class="files">
            {batch.customs_forms.map((f) => (
              <li key={f.url}>
                <a href={onThisOrigin(f.url)} download={`${batch.reference ?? batch.id}-customs-${f.first_position}-${f.last_position}.pdf`}>
                  Download customs documents {f.first_position}–{f.last_position}
                </a>{" "}
                <span class="hint">{f.count} shipment{f.count === 1 ? "" : "s"} abroad</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {batch.scan_forms.length > 0 && (
        <>
          <h3>SCAN forms</h3>
          <ul class="files">
            {batch.scan_forms.map((f) => (
              <li key={f.id}>
                {f.url ? <a href={onThisOrigin(f.url)} download={`${batch.reference ?? batch.id}-scan-form-${f.carrier}.pdf`}>Download SCAN form ({names.carrier(f.carrier)}, {f.shipment_count} shipment{f.shipment_count === 1 ? "" : "s"})</a>
                  : f.status === "failed" ? <span class="failure">SCAN form ({names.carrier(f.carrier)}) failed: {f.message}</span>
                  : <span>SCAN form ({names.carrier(f.carrier)}): being written…</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      <ProblemText problem={problem} />
    </section>
  );
}
