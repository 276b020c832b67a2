import type { ErrorObject, ValidateFunction } from "ajv";
import { UserError } from "./errors";
import { projectPath } from "./paths";
import { readFileSync } from "node:fs";

const MAX_LISTED = 20;
const compiled = new Map<string, ValidateFunction>();

/**
 * Checks `data` against a schema in schemas/ (optionally one of its `definitions`) and
 * returns it typed. Every error is listed with where it came from and its JSON path, e.g.
 * `uan-k3s.yaml: /k3s/servers/0 must match pattern ...`.
 */
export function validate<T>(
  data: unknown,
  schemaFile: string,
  origin: string,
  definition?: string,
): T {
  const check = validatorFor(schemaFile, definition);
  if (check(data)) return data as T;
  const errors = check.errors ?? [];
  const lines = errors.slice(0, MAX_LISTED).map((error) => `${origin}: ${describe(error)}`);
  if (errors.length > MAX_LISTED) lines.push(`... and ${errors.length - MAX_LISTED} more`);
  throw new UserError(lines.join("\n"), `Fix the data so that it matches schemas/${schemaFile}.`);
}

function describe(error: ErrorObject): string {
  const path = error.instancePath === "" ? "/" : error.instancePath;
  const params = error.params as Record<string, unknown>;
  const detail =
    typeof params.additionalProperty === "string"
      ? ` (${JSON.stringify(params.additionalProperty)})`
      : Array.isArray(params.allowedValues)
        ? `: ${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`
        : "";
  return `${path} ${error.message ?? "is invalid"}${detail}`;
}

function validatorFor(schemaFile: string, definition?: string): ValidateFunction {
  const key = definition === undefined ? schemaFile : `${schemaFile}#${definition}`;
  let check = compiled.get(key);
  if (check === undefined) {
    // ajv is loaded on first use only: commands that validate nothing start faster.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv = (require("ajv") as typeof import("ajv")).default;
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    const schema = JSON.parse(readFileSync(projectPath("schemas", schemaFile), "utf8")) as {
      $id: string;
    };
    ajv.addSchema(schema);
    const ref = definition === undefined ? schema.$id : `${schema.$id}#/definitions/${definition}`;
    check = ajv.getSchema(ref);
    if (check === undefined) throw new Error(`no schema ${ref}`);
    compiled.set(key, check);
  }
  return check;
}
