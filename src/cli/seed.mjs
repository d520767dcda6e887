// `npm run seed -- [--balance 25.00]`: one more test account in the local D1; prints its key.
import { parseArgs } from "node:util";
import { createAccount, migrateLocal } from "./local-d1.mjs";

const { values } = parseArgs({ options: { balance: { type: "string", default: "1000.00" }, live: { type: "boolean", default: false } } });
migrateLocal();
const { id, key } = createAccount(values.balance, values.live ? "live" : "test");
console.log(`account ${id} (balance ${values.balance})\n${key}`);
