// Prints one closing line for the whole `npm test` run, counted from the runners' JSON reports:
// "tests: N passed, N failed, N skipped". Exits 1 if a report is missing or counts a failure.
import { readFileSync } from "node:fs";

const reports = [
  ["unit", "test-results/summary/unit.json", "vitest"],
  ["integration", "test-results/summary/integration.json", "vitest"],
  ["e2e", "test-results/summary/e2e.json", "playwright"],
];

let passed = 0;
let failed = 0;
let skipped = 0;
let missing = false;
for (const [name, file, kind] of reports) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    console.error(`[test-summary] no ${name} report at ${file}`);
    missing = true;
    continue;
  }
  if (kind === "vitest") {
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + report.numTodoTests;
  } else {
    passed += report.stats.expected + report.stats.flaky;
    failed += report.stats.unexpected;
    skipped += report.stats.skipped;
  }
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(missing || failed > 0 || passed === 0 ? 1 : 0);
