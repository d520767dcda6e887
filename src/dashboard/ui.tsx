// Small pieces every page uses: a problem in words, a status word, pagination.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Problem } from "./api";
import { statusWord } from "./words";

/** An API error in words, next to what caused it; `role="alert"` so a screen reader hears it at once. */
export function ProblemText({ problem, id }: { problem: Problem | null; id?: string }) {
  if (!problem) return null;
  return (
    <div class="problem" role="alert" id={id}>
      <p>{problem.message}</p>
      {problem.details.length > 0 && (
        <ul>{problem.details.map((d) => <li key={d.path}><code>{d.path}</code>: {d.message}</li>)}</ul>
      )}
    </div>
  );
}

/** A status in words; the API's own word stays in the class (styling) and the title (for support). */
export const StatusWord = ({ status }: { status: string }) => <span class={`status status-${status}`} title={status}>{statusWord(status)}</span>;

export function Pager({ page, limit, total, onPage, label }: { page: number; limit: number; total: number; onPage: (p: number) => void; label: string }) {
  const pages = Math.max(1, Math.ceil(total / limit));
  if (pages === 1 && page === 1) return null;
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" onClick={() => onPage(page - 1)} disabled={page <= 1}>Previous page</button>
      <span>Page {page} of {pages} ({total.toLocaleString("en-US")} in all)</span>
      <button type="button" onClick={() => onPage(page + 1)} disabled={page >= pages}>Next page</button>
    </nav>
  );
}

export const formatTime = (iso: string | null) => (iso ? new Date(iso).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" }) : "");

// After a navigation inside the page, the next page's heading takes the focus, so a screen reader
// announces where the user is and the keyboard starts from there (as a full page load would).
let focusNextHeading = false;
addEventListener("hashchange", () => { focusNextHeading = true; });

/** A page's h1; it takes the focus when it appears after a navigation. */
export function PageHeading({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!focusNextHeading) return;
    focusNextHeading = false;
    ref.current?.focus();
  }, []);
  return <h1 ref={ref} tabIndex={-1}>{children}</h1>;
}
