// One way for a button to run an API call: busy while it runs (so a second click does nothing), its
// problem kept to be shown next to it, and `after` on success.
import { useState } from "preact/hooks";
import { asProblem, type Problem } from "./api";

export function useAction(after: () => void = () => undefined) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  async function run(action: () => Promise<unknown>): Promise<boolean> {
    setBusy(true);
    setProblem(null);
    try {
      await action();
      after();
      return true;
    } catch (e) {
      setProblem(asProblem(e));
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { busy, problem, setProblem, run };
}
