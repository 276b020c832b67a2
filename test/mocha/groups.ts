import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../../core/paths";

/**
 * The two groups `npm test` runs, as mocha configs (`mocha --config dist/test/mocha/unit.js`):
 * a test file that declares the system tools it runs, with needs() from test/tools.ts, is a
 * tools test; every other one is a unit test, which needs nothing but Node. Both add their
 * spec to the options in .mocharc.json (which has none, so `mocha FILE` runs FILE alone).
 */

export type Group = "unit" | "tools";

/** A compiled test file that imports test/tools (TypeScript drops an import nothing uses). */
const USES_TOOLS = /require\("(?:\.\.?\/)+tools"\)/;

export function groupFiles(group: Group): string[] {
  const dir = projectPath("dist", "test");
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".test.js"))
    .map((file) => join(dir, file))
    .filter((file) => USES_TOOLS.test(readFileSync(file, "utf8")) === (group === "tools"))
    .sort();
}

/**
 * The config of `group`. Files run in parallel worker processes, `jobs` at a time: the unit
 * tests keep two cores busy; the tools tests spend most of their time waiting on Ansible,
 * daemons and Chromium, so more of them than cores run at once.
 */
export function groupConfig(group: Group, jobs: number): Record<string, unknown> {
  const base = JSON.parse(readFileSync(projectPath(".mocharc.json"), "utf8")) as object;
  return { ...base, spec: groupFiles(group), parallel: true, jobs };
}
