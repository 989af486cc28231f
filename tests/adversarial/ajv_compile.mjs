// Compile each log schema with ajv the way tests/js/ajv_check.mjs does (Draft 2020-12, strict mode,
// allErrors, ajv-formats), each in a fresh Ajv instance (generated schemas may share an $id).
//
// Usage: node ajv_compile.mjs FILE...   Prints one JSON line per file: {"file", "ok", "error"}.
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

for (const file of process.argv.slice(2)) {
  const result = { file, ok: true, error: "" };
  try {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    ajv.compile(JSON.parse(readFileSync(file, "utf8")));
  } catch (err) {
    result.ok = false;
    result.error = String(err && err.message ? err.message : err);
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}
