import { expect } from "chai";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { loadConfig } from "../cli/config";
import { loadInventory } from "../cli/inventory";
import { resolveSourceSettings } from "../cli/settings";
import { MemoryLog } from "../core/log";
import { projectPath } from "../core/paths";
import { buildRoleModel } from "../generator/model";
import { renderRoles } from "../generator/render";

// Golden-directory tests: test/cases/<name>/uan-k3s.yaml is the input, expected/ the tree
// gen-roles renders from it. `UPDATE_GOLDEN=1 npm test` rewrites expected/; `npm test` never does.

const CASES = projectPath("test", "cases");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

async function render(name: string): Promise<Map<string, string>> {
  const config = loadConfig(join(CASES, name, "uan-k3s.yaml"));
  if (config === undefined) throw new Error(`no config for case ${name}`);
  const settings = resolveSourceSettings({}, {}, config);
  const inventory = await loadInventory(settings, config, new MemoryLog());
  const files = renderRoles(buildRoleModel(config.data, inventory, config.path));
  return new Map([...files].map(([path, file]) => [path, file.text]));
}

function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (at: string): void => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path).split("\\\\").join("/"), readFileSync(path, "utf8"));
    }
  };
  walk(dir);
  return files;
}

describe("golden trees (test/cases)", () => {
  for (const name of readdirSync(CASES).sort()) {
    it(`${name}: gen-roles renders expected/ exactly`, async () => {
      const expectedDir = join(CASES, name, "expected");
      const rendered = await render(name);
      if (UPDATE) {
        rmSync(expectedDir, { recursive: true, force: true });
        for (const [path, text] of rendered) {
          mkdirSync(dirname(join(expectedDir, path)), { recursive: true });
          writeFileSync(join(expectedDir, path), text);
        }
      }
      const expected = readTree(expectedDir);
      expect([...rendered.keys()], "the set of files").to.deep.equal([...expected.keys()]);
      for (const [path, text] of rendered) expect(text, path).to.equal(expected.get(path));
    });

    it(`${name}: rendering twice gives the same bytes and leaves the config untouched`, async () => {
      const config = loadConfig(join(CASES, name, "uan-k3s.yaml"));
      const before = JSON.stringify(config?.data);
      const [first, second] = [await render(name), await render(name)];
      expect([...second]).to.deep.equal([...first]);
      expect(JSON.stringify(loadConfig(join(CASES, name, "uan-k3s.yaml"))?.data)).to.equal(before);
    });
  }
});
