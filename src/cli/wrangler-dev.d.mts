// Types of wrangler-dev.mjs, for the TypeScript tests that start their own `wrangler dev`.
import type { ChildProcess, SpawnOptions } from "node:child_process";
export function devToolsOff(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export function spawnWranglerDev(args: string[], options?: SpawnOptions): ChildProcess;
export function waitUntilUp(base: string, server?: ChildProcess): Promise<void>;
