// Validate JSON Lines log files with ajv (Draft 2020-12, strict mode, ajv-formats).
//
// Usage: node tests/js/ajv_check.mjs SCHEMA_DIR FILE...
// Loads every SCHEMA_DIR/<service>.schema.json (compiling each one proves it is a
// valid Draft 2020-12 schema under ajv's strict mode), then prints one JSON array:
// [{"file", "line", "valid", "errors": [{"instancePath", "message"}]}] with one
// entry per non-blank line. A line that is not a JSON object, or whose `service`
// has no schema, is invalid (the same rule as obs-codegen validate-logs).
// Exit code: 0 when every line is valid, 1 when some line is invalid, 2 on usage
// or schema errors.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [schemaDir, ...files] = process.argv.slice(2);
if (!schemaDir || files.length === 0) {
  console.error("usage: node ajv_check.mjs SCHEMA_DIR FILE...");
  process.exit(2);
}

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);

const validators = new Map();
try {
  for (const name of readdirSync(schemaDir).sort()) {
    if (!name.endsWith(".schema.json")) continue;
    const schema = JSON.parse(readFileSync(join(schemaDir, name), "utf8"));
    validators.set(name.slice(0, -".schema.json".length), ajv.compile(schema));
  }
} catch (err) {
  console.error(`schema error: ${err.message}`);
  process.exit(2);
}

const results = [];
for (const file of files) {
  const lines = readFileSync(file, "utf8").split("\n");
  lines.forEach((text, i) => {
    if (text.trim() === "") return;
    const entry = { file, line: i + 1, valid: false, errors: [] };
    let data;
    try {
      data = JSON.parse(text);
    } catch (err) {
      entry.errors.push({ instancePath: "", message: `not JSON: ${err.message}` });
      results.push(entry);
      return;
    }
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      entry.errors.push({ instancePath: "", message: "not a JSON object" });
    } else if (!validators.has(data.service)) {
      entry.errors.push({ instancePath: "/service", message: "unknown or missing service" });
    } else {
      const validate = validators.get(data.service);
      entry.valid = validate(data);
      for (const e of validate.errors ?? []) entry.errors.push({ instancePath: e.instancePath, message: e.message });
    }
    results.push(entry);
  });
}
// exitCode, not exit(): exit() can cut a large write to a pipe short
process.stdout.write(JSON.stringify(results, null, 1) + "\n");
process.exitCode = results.every((r) => r.valid) ? 0 : 1;
