// The ajv side of scripts/bench.py: validate a JSON Lines file, streaming, with the same schemas
// and rules as tests/js/ajv_check.mjs (Draft 2020-12, strict mode, allErrors, ajv-formats; a line
// whose `service` has no schema is invalid). Prints {"lines", "valid", "invalid", "seconds"}
// (seconds: validation only, after the schemas compiled).
//
// Usage: node scripts/ajv_bench.mjs SCHEMA_DIR FILE
import { createReadStream, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [schemaDir, file] = process.argv.slice(2);
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const validators = new Map();
for (const name of readdirSync(schemaDir).sort()) {
  if (!name.endsWith(".schema.json")) continue;
  validators.set(name.slice(0, -".schema.json".length), ajv.compile(JSON.parse(readFileSync(join(schemaDir, name), "utf8"))));
}
const start = process.hrtime.bigint();
let lines = 0, valid = 0;
for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
  if (text.trim() === "") continue;
  lines += 1;
  let data;
  try { data = JSON.parse(text); } catch { continue; }
  if (data === null || typeof data !== "object" || Array.isArray(data)) continue;
  const validate = validators.get(data.service);
  if (validate && validate(data)) valid += 1;
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(JSON.stringify({ lines, valid, invalid: lines - valid, seconds }) + "\n");
