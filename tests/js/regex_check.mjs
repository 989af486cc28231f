// JavaScript's verdicts on regular expressions, as ajv compiles them: `new RegExp(pattern, "u")`.
//
// Usage: node tests/js/regex_check.mjs < {"syntax": [PATTERN...], "match": [PATTERN...], "strings": [STRING...]}
// Prints {"syntax": [null | error message, ...], "match": [[bool per string] per pattern]}: for each
// `syntax` pattern whether it compiles with the u flag, and for each `match` pattern (which must
// compile) whether `test()` accepts each of `strings`.
import { readFileSync } from "node:fs";

const input = JSON.parse(readFileSync(0, "utf8"));
const syntax = input.syntax.map((p) => {
  try {
    new RegExp(p, "u");
    return null;
  } catch (err) {
    return err.message;
  }
});
const match = input.match.map((p) => {
  const re = new RegExp(p, "u");
  return input.strings.map((s) => re.test(s));
});
process.stdout.write(JSON.stringify({ syntax, match }) + "\n");
