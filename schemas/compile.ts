import { readFileSync, readdirSync } from "node:fs";
import { writeFileAtomic } from "../core/fs";
import { projectPath } from "../core/paths";
import { validatorName, validatorsModulePath } from "../core/validate";

/**
 * Compiles every schema in schemas/ (and each of its `definitions`) into one module of
 * standalone validation functions, at build time. Loading ajv and compiling at run time costs
 * more than reading a whole SLS dump, and the inventory script runs on every Ansible call.
 * core/validate.ts loads that module, and names its exports.
 */
function main(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Ajv = (require("ajv") as typeof import("ajv")).default;
  const standaloneCode = (require("ajv/dist/standalone") as typeof import("ajv/dist/standalone"))
    .default;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    allowUnionTypes: true,
    code: { source: true },
  });
  const refs: Record<string, string> = {};
  for (const file of readdirSync(projectPath("schemas"))
    .filter((name) => name.endsWith(".schema.json"))
    .sort()) {
    const schema = JSON.parse(readFileSync(projectPath("schemas", file), "utf8")) as {
      $id: string;
      definitions?: Record<string, unknown>;
    };
    ajv.addSchema(schema);
    refs[validatorName(file)] = schema.$id;
    for (const definition of Object.keys(schema.definitions ?? {})) {
      refs[validatorName(file, definition)] = `${schema.$id}#/definitions/${definition}`;
    }
  }
  writeFileAtomic(validatorsModulePath(), standaloneCode(ajv, refs));
}

if (require.main === module) main();
