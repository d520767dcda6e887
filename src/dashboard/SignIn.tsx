// Sign in by pasting an API key; it is checked against GET /v1/account before it is kept.
import { useState } from "preact/hooks";
import { asProblem, call, clientFor, Problem, type Account } from "./api";
import { ProblemText } from "./ui";

export function SignIn({ onSignedIn, notice }: { onSignedIn: (key: string, account: Account) => void; notice: string | null }) {
  const [key, setKey] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    const value = key.trim();
    if (!/^sk_(test|live)_[A-Za-z0-9]+$/.test(value)) {
      setProblem(new Problem("invalid_key", "An API key looks like sk_test_… or sk_live_…: paste the whole key."));
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      onSignedIn(value, await call(clientFor(value).GET("/v1/account")));
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      <h1>Batch label service</h1>
      <p>Upload a CSV of shipments, fix what is wrong, buy the labels and print them.</p>
      {notice && <p class="notice" role="status">{notice}</p>}
      <form onSubmit={submit} noValidate>
        <div class="field">
          <label for="api-key">API key</label>
          <input id="api-key" name="api-key" type="password" autocomplete="off" spellcheck={false} value={key}
            aria-describedby="api-key-hint" aria-invalid={problem ? true : undefined} aria-errormessage={problem ? "signin-problem" : undefined}
            onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
          <p class="hint" id="api-key-hint">Kept in this browser tab only, until you sign out or close it.</p>
        </div>
        <ProblemText problem={problem} id="signin-problem" />
        <button type="submit" disabled={busy}>Sign in</button>
      </form>
    </main>
  );
}
