// The merchant dashboard: one page served by the Worker's assets (public/), talking to the same API.
// Routes live in the URL's hash (#/, #/new, #/batches/{id}) so every view can be bookmarked and the
// static assets need no server-side routing.
import { render } from "preact";
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { asProblem, call, clientFor, money, type Account, type Problem } from "./api";
import { BatchList } from "./BatchList";
import { BatchPage } from "./BatchPage";
import { NewBatch } from "./NewBatch";
import { forgetKey, savedKey, saveKey } from "./session";
import { SessionContext } from "./session-context";
import { SignIn } from "./SignIn";

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const update = () => setHash(location.hash);
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return hash;
}

type View = { name: "list" } | { name: "new" } | { name: "batch"; id: string };
function viewOf(hash: string): View {
  const m = /^#\/batches\/([^/?#]+)/.exec(hash);
  if (m) return { name: "batch", id: decodeURIComponent(m[1]) };
  return hash === "#/new" ? { name: "new" } : { name: "list" };
}

function App() {
  const [key, setKey] = useState<string | null>(savedKey);
  const [account, setAccount] = useState<Account | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [accountProblem, setAccountProblem] = useState<Problem | null>(null);
  const client = useMemo(() => (key ? clientFor(key) : null), [key]);
  const view = viewOf(useHash());

  const signOut = useCallback((why: string) => {
    forgetKey();
    setKey(null);
    setAccount(null);
    setNotice(why);
  }, []);
  const refreshAccount = useCallback(() => {
    if (!client) return;
    call(client.GET("/v1/account")).then((a) => { setAccount(a); setAccountProblem(null); }).catch((e) => {
      const p = asProblem(e);
      if (p.status === 401) signOut("That key no longer works (it may have been revoked): sign in again.");
      else setAccountProblem(p);
    });
  }, [client, signOut]);
  useEffect(() => { if (client && !account) refreshAccount(); }, [client]);

  useEffect(() => {
    document.title = `${view.name === "new" ? "New batch" : view.name === "batch" ? "Batch" : "Batches"} · Batch label service`;
  }, [view.name]);

  if (!client) {
    return <SignIn notice={notice} onSignedIn={(k, a) => { saveKey(k); setNotice(null); setAccount(a); setKey(k); }} />;
  }
  return (
    <SessionContext.Provider value={{ client, account, refreshAccount }}>
      <header class="top">
        {/* No other link may be named like the download links ("… labels …"). */}
        <a class="brand" href="#/">Batch label service</a>
        <nav aria-label="Main">
          <a href="#/" aria-current={view.name === "list" ? "page" : undefined}>Batches</a>
          <a href="#/new" aria-current={view.name === "new" ? "page" : undefined}>New batch</a>
        </nav>
        <div class="account">
          {account && (
            <>
              <span class={`mode mode-${account.mode}`}>{account.mode} mode</span>
              <span>Balance <strong>{money(account.balance, account.currency)}</strong></span>
            </>
          )}
          {accountProblem && <span class="failure" role="alert">Balance not updated: {accountProblem.message}</span>}
          <button type="button" class="secondary" onClick={() => signOut("Signed out: the key is forgotten in this tab.")}>Sign out</button>
        </div>
      </header>
      {account?.mode === "live" && <p class="live-banner" role="note">Live mode: buying labels buys real postage.</p>}
      <main>
        {view.name === "list" && <BatchList />}
        {view.name === "new" && <NewBatch onCreated={(id) => { location.hash = `#/batches/${id}`; }} />}
        {view.name === "batch" && <BatchPage key={view.id} id={view.id} />}
      </main>
    </SessionContext.Provider>
  );
}

render(<App />, document.getElementById("app")!);
