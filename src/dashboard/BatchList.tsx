// The account's batches, newest first: filter by status, find by reference, page through.
import { useEffect, useState } from "preact/hooks";
import { asProblem, BATCH_STATUSES, call, money, type BatchStatus, type BatchSummary, type Problem } from "./api";
import { useSession } from "./session-context";
import { formatTime, PageHeading, Pager, ProblemText, StatusWord } from "./ui";
import { statusWord } from "./words";

const LIMIT = 25;

export function BatchList() {
  const { client } = useSession();
  const [status, setStatus] = useState<BatchStatus | "">("");
  const [typed, setTyped] = useState("");
  const [reference, setReference] = useState("");
  const [page, setPage] = useState(1);
  const [list, setList] = useState<{ data: BatchSummary[]; total: number } | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    let current = true;
    call(client.GET("/v1/batches", { params: { query: { page, limit: LIMIT, ...(status ? { status } : {}), ...(reference ? { reference } : {}) } } }))
      .then((r) => { if (current) { setList({ data: r.data, total: r.pagination.total_count }); setProblem(null); } })
      .catch((e) => current && setProblem(asProblem(e)));
    return () => { current = false; };
  }, [client, status, reference, page]);

  return (
    <>
      <PageHeading>Batches</PageHeading>
      <form class="filters" role="search" onSubmit={(e) => { e.preventDefault(); setPage(1); setReference(typed.trim()); }}>
        <div class="field">
          <label for="filter-status">Status</label>
          <select id="filter-status" value={status} onChange={(e) => { setPage(1); setStatus((e.target as HTMLSelectElement).value as BatchStatus | ""); }}>
            <option value="">any</option>
            {BATCH_STATUSES.map((s) => <option key={s} value={s}>{statusWord(s)}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="filter-reference">Search by reference</label>
          <input id="filter-reference" type="search" value={typed} placeholder="april-2026" aria-describedby="filter-reference-hint"
            onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />
          <p class="hint" id="filter-reference-hint">The whole reference, as it was given.</p>
        </div>
        <button type="submit">Search</button>
      </form>
      <ProblemText problem={problem} />
      {list && (list.data.length === 0 ? (
        <p>{status || reference ? "No batch matches." : "No batches yet. Start with New batch."}</p>
      ) : (
        <>
          <div class="table-wrap">
          <table>
            <caption>Batches, newest first</caption>
            <thead><tr><th scope="col">Batch</th><th scope="col">Status</th><th scope="col">Shipments</th><th scope="col">Progress</th><th scope="col">Total</th><th scope="col">Created</th></tr></thead>
            <tbody>
              {list.data.map((b) => (
                <tr key={b.id}>
                  <th scope="row"><a href={`#/batches/${b.id}`}>{b.reference ?? b.name ?? b.id}</a></th>
                  <td><StatusWord status={b.status} /></td>
                  <td>{b.counts.total.toLocaleString("en-US")}{b.counts.invalid > 0 && ` (${b.counts.invalid} invalid)`}</td>
                  <td>{b.completion_percentage}%</td>
                  <td>{money(b.total_amount, b.currency)}</td>
                  <td>{formatTime(b.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
          <Pager page={page} limit={LIMIT} total={list.total} onPage={setPage} label="Batches pages" />
        </>
      ))}
    </>
  );
}
