import { expect } from "chai";
import { readdirSync } from "node:fs";
import { ansible, output } from "./ansible";
import { renderTree } from "./render";
import { needs } from "../tools";

/** The YAML files of a tree: ansible-lint must have looked at every one of them. */
function yamlFiles(tree: string): string[] {
  return readdirSync(tree, { recursive: true, encoding: "utf8" }).filter((path) =>
    /\.ya?ml$/.test(path),
  );
}

describe("ansible-lint on the rendered tree", function () {
  needs(this, "ansible-lint");
  this.timeout(240_000);

  for (const system of ["split", "seed"] as const) {
    it(`passes the production profile for ${system}, with ansible-core modules only`, async () => {
      const tree = renderTree(system);
      // No path argument: given ".", ansible-lint 6 lints a single file and passes.
      const result = await ansible(tree, "ansible-lint", [
        "--offline",
        "--nocolor",
        "-p",
        "--enable-list",
        "only-builtins",
      ]);
      const text = result.stdout + result.stderr;
      expect(result.code, output(result)).to.equal(0);
      expect(text, output(result)).to.match(/Passed with production profile/);
      // only-builtins is experimental, so ansible-lint reports it as a warning only.
      expect(text, output(result)).not.to.include("only-builtins");
      const linted = Number(/on (\d+) files/.exec(text)?.[1]);
      expect(linted, output(result)).to.be.at.least(yamlFiles(tree).length);
    });
  }
});
