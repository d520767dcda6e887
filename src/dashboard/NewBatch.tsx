// A new batch from a CSV file: drop it or pick it, optionally name a reference and a default service.
import { useEffect, useRef, useState } from "preact/hooks";
import { asProblem, call, idempotencyKey, Problem, type Carrier } from "./api";
import { useSession } from "./session-context";
import { PageHeading, ProblemText } from "./ui";

export function NewBatch({ onCreated }: { onCreated: (id: string) => void }) {
  const { client } = useSession();
  const [file, setFile] = useState<File | null>(null);
  const [reference, setReference] = useState("");
  const [service, setService] = useState("");
  const [carriers, setCarriers] = useState<Carrier[]>([]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [fileProblem, setFileProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    call(client.GET("/v1/carriers")).then((r) => setCarriers(r.data)).catch((e) => setProblem(asProblem(e)));
  }, [client]);

  function take(files: FileList | null | undefined) {
    const f = files?.[0] ?? null;
    setFile(f);
    setFileProblem(f && !/\.csv$/i.test(f.name) && f.type !== "text/csv" ? new Problem("not_csv", `${f.name} does not look like a CSV file; export the sheet as CSV.`) : null);
  }

  function drop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    const files = e.dataTransfer?.files;
    if (!files?.length) return;
    if (input.current) input.current.files = files;
    take(files);
  }

  async function submit(e: Event) {
    e.preventDefault();
    setProblem(null);
    if (!file) {
      setFileProblem(new Problem("no_file", "Choose a CSV file first (or drop one on the box)."));
      input.current?.focus();
      return;
    }
    const form = new FormData();
    form.set("file", file);
    if (reference.trim()) form.set("reference", reference.trim());
    if (service) form.set("default_service", service);
    setBusy(true);
    try {
      const batch = await call(client.POST("/v1/batches", {
        params: { header: { "Idempotency-Key": idempotencyKey() } },
        body: form as never, bodySerializer: (b: unknown) => b as FormData,
      }));
      onCreated(batch.id);
    } catch (err) {
      const p = asProblem(err);
      // A problem with the file itself goes next to the file; the rest next to the button.
      if (p.code === "invalid_csv" || p.code === "payload_too_large" || p.details.some((d) => d.path.startsWith("file"))) setFileProblem(p);
      else setProblem(p);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeading>New batch</PageHeading>
      <form onSubmit={submit} noValidate>
        <div class={`dropzone${dragging ? " dragging" : ""}`}
          onDragOver={(e) => { e.preventDefault(); setDragging(true); }} onDragLeave={() => setDragging(false)} onDrop={drop}>
          <label for="csv-file">CSV file</label>
          <input ref={input} id="csv-file" name="file" type="file" accept=".csv,text/csv" aria-describedby="csv-file-hint"
            aria-invalid={fileProblem ? true : undefined} aria-errormessage={fileProblem ? "csv-file-problem" : undefined}
            onChange={(e) => take((e.target as HTMLInputElement).files)} />
          <p class="hint" id="csv-file-hint">
            Drop a file here or choose one. One shipment a row, header row first; up to 10,000 rows.{" "}
            <a href="/shipments-template.csv" download="shipments-template.csv">Download the CSV template</a> with every column.
          </p>
          {file && <p class="chosen">Chosen: <strong>{file.name}</strong> ({Math.ceil(file.size / 1024).toLocaleString("en-US")} KB)</p>}
          <ProblemText problem={fileProblem} id="csv-file-problem" />
        </div>
        <div class="field">
          <label for="batch-reference">Reference (optional)</label>
          <input id="batch-reference" value={reference} maxLength={100} onInput={(e) => setReference((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="batch-service">Default service (optional)</label>
          <select id="batch-service" value={service} aria-describedby="batch-service-hint" onChange={(e) => setService((e.target as HTMLSelectElement).value)}>
            <option value="">none: each row names its service</option>
            <option value="cheapest">cheapest</option>
            <option value="fastest">fastest</option>
            {carriers.map((c) => (
              <optgroup key={c.id} label={c.id.toUpperCase()}>
                {c.services.map((s) => <option key={s.id} value={s.id}>{s.name} (from ${s.starting_rate})</option>)}
              </optgroup>
            ))}
          </select>
          <p class="hint" id="batch-service-hint">For rows that leave the service column empty.</p>
        </div>
        <ProblemText problem={problem} />
        <button type="submit" disabled={busy}>{busy ? "Creating…" : "Create batch"}</button>
      </form>
    </>
  );
}
