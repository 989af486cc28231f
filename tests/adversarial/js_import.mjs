// Import every emitted JavaScript module of each generated TypeScript package, one package at a time.
//
// Usage: node js_import.mjs DIR...   (each DIR holds one package's emitted .js files)
// For each DIR: prints `START <DIR>`, chdirs into DIR (so a payload that writes a marker file
// writes it there), imports each .js file in name order, then prints `OK` or `ERROR <message>`.
// The harness reads the output as it streams: a package whose import exits the process or
// never finishes is blamed by the START line before it.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

for (const dir of process.argv.slice(2)) {
  process.stdout.write(`START ${dir}\n`);
  try {
    process.chdir(dir);
    for (const name of readdirSync(dir).filter((n) => n.endsWith(".js")).sort()) {
      await import(pathToFileURL(join(dir, name)).href);
    }
    process.stdout.write("OK\n");
  } catch (err) {
    process.stdout.write(`ERROR ${String(err && err.stack ? err.stack.split("\n")[0] : err).replace(/\n/g, " ")}\n`);
  }
}
