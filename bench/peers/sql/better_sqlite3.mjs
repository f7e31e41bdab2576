// W13 sql_mix with better-sqlite3 (npm, version 12; synchronous): N
// single-row INSERTs in one transaction, then N point queries by primary
// key, on a new file in WAL mode as std.sql opens it. bench/run.py
// installs the package into bench/peers/sql/node/ at bench time.
//   node better_sqlite3.mjs N
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const require = createRequire(path.join(path.dirname(new URL(import.meta.url).pathname), "node", "x.js"));
const Database = require("better-sqlite3");
const n = Number(process.argv[2]);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "w13-"));
const db = new Database(path.join(dir, "t.db"));
db.pragma("journal_mode = WAL");
db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
const insert = db.prepare("INSERT INTO t (id, v) VALUES (?, ?)");
const select = db.prepare("SELECT v FROM t WHERE id = ?");
const start = process.hrtime.bigint();
db.exec("BEGIN");
for (let i = 1; i <= n; i++) insert.run(i, `value ${i}`);
db.exec("COMMIT");
const inserted = process.hrtime.bigint();
for (let i = 1; i <= n; i++) {
  if (select.get(i).v !== `value ${i}`) throw new Error("wrong row");
}
const done = process.hrtime.bigint();
db.close();
fs.rmSync(dir, { recursive: true });
const us = (a, b) => Number(b - a) / 1e3 / n;
console.log(`RESULT seconds=${(Number(done - start) / 1e9).toFixed(9)} insert_us=${us(start, inserted).toFixed(3)} query_us=${us(inserted, done).toFixed(3)}`);
