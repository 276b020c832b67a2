import { expect } from "chai";
import { readFileSync } from "node:fs";
import { SOURCE_SETTINGS } from "../cli/settings";
import { projectPath } from "../core/paths";

describe("README", () => {
  const readme = readFileSync(projectPath("README.md"), "utf8");

  it("documents every setting's flag, environment variable and config key", () => {
    const missing = SOURCE_SETTINGS.flatMap((setting) => [
      ...(setting.flag === undefined ? [] : [`\`${setting.flag}\``]),
      ...setting.env.map((name) => `\`${name}\``),
      ...(setting.file === undefined ? [] : [`\`${setting.file}\``]),
    ]).filter((needle) => !readme.includes(needle));
    expect(missing).to.deep.equal([]);
  });
});
