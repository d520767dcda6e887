// Types of local-d1.mjs, for the TypeScript tests that start their own `wrangler dev`.
export function migrateLocal(): void;
export function queryLocal(sql: string): Record<string, unknown>[];
export function createAccount(balance: string, mode?: "test" | "live"): { id: string; key: string };
export function keyExists(key: string): boolean;
