import type { ErrorObject } from "ajv";
import { dirname, join } from "node:path";
import { UserError } from "./errors";
import { projectPath } from "./paths";

/**
 * Where schemas/compile.ts writes the validators at build time, one export per schema and
 * definition. A function: finding the package root reads the disk, which no import may do.
 */
export function validatorsModulePath(): string {
  return projectPath("dist", "schemas", "validators.js");
}

/** The folder beside that index with one module per validator, required as ./validators/NAME.js. */
export const VALIDATORS_DIR = "validators";

/** Where that folder is. */
export function validatorsDir(): string {
  return join(dirname(validatorsModulePath()), VALIDATORS_DIR);
}

/** The export name of one validator: sls_schema_json, or sls_schema_json__SlsNetworkList. */
export function validatorName(schemaFile: string, definition?: string): string {
  const base = schemaFile.replace(/[^A-Za-z0-9]/g, "_");
  return definition === undefined ? base : `${base}__${definition}`;
}

const MAX_LISTED = 20;

interface Validator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

let validators: Record<string, Validator> | undefined;

/**
 * Checks `data` against a schema in schemas/ (optionally one of its `definitions`) and
 * returns it typed. Every error is listed with where it came from and its JSON path, e.g.
 * `uan-k3s.yaml: /k3s/servers/0 must match pattern ...`. The validators are compiled at build
 * time (schemas/compile.ts), so ajv itself is never loaded here.
 */
export function validate<T>(
  data: unknown,
  schemaFile: string,
  origin: string,
  definition?: string,
): T {
  const errors = schemaErrors(data, schemaFile, definition);
  if (errors === undefined) return data as T;
  const lines = errors.slice(0, MAX_LISTED).map((error) => `${origin}: ${describe(error)}`);
  if (errors.length > MAX_LISTED) lines.push(`... and ${errors.length - MAX_LISTED} more`);
  throw new UserError(lines.join("\n"), `Fix the data so that it matches schemas/${schemaFile}.`);
}

/**
 * Every way `data` breaks a schema in schemas/ (optionally one of its `definitions`), as ajv
 * reports them (allErrors, instancePath); undefined when it is valid.
 */
export function schemaErrors(
  data: unknown,
  schemaFile: string,
  definition?: string,
): ErrorObject[] | undefined {
  // The path validatorsModulePath() names, as a plain require so that the single executable's
  // bundle (npm run release) carries the validators.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  validators ??= require("../schemas/validators") as Record<string, Validator>;
  const check = validators[validatorName(schemaFile, definition)];
  if (check === undefined)
    throw new Error(
      `no compiled validator for ${schemaFile} ${definition ?? ""}; run npm run build`,
    );
  return check(data) ? undefined : (check.errors ?? []);
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
