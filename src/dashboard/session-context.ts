// What every page of a signed-in dashboard shares: the client with the key, the account, and how to refresh it.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Account, Client } from "./api";

export type Session = { client: Client; account: Account | null; refreshAccount: () => void };
export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside a signed-in page");
  return s;
}
