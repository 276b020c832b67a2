import { expect } from "chai";
import { readFileSync } from "node:fs";
import { projectPath } from "../core/paths";
import { GENERATED_TYPES, renderTypes } from "../schemas/generate";

describe("schemas/generated", () => {
  for (const { schema, module } of GENERATED_TYPES) {
    it(`${module} matches ${schema} (run "npm run generate" after editing a schema)`, async () => {
      const committed = readFileSync(projectPath("schemas", "generated", module), "utf8");
      expect(await renderTypes(schema)).to.equal(committed);
    });
  }
});
