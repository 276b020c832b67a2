import { readFileSync } from "node:fs";
import type { ErrorObject } from "ajv";
import { projectPath } from "../core/paths";

// A config file's schema errors in words an admin reads: the key path as YAML spells it, what
// the file holds there and what is allowed, never ajv's "must match a schema in anyOf". Read
// only when the file is wrong, so the schema is loaded here, not on every run.

interface SchemaNode {
  readonly description?: string;
  readonly properties?: Record<string, SchemaNode>;
  readonly items?: SchemaNode;
  readonly type?: string | readonly string[];
  readonly $ref?: string;
  readonly anyOf?: readonly SchemaNode[];
  readonly definitions?: Record<string, SchemaNode>;
}

/** One error, worded: where, what it got, what is allowed, and the setting's description. */
export interface ConfigProblem {
  /** `sshd[0].port`, or "(the whole file)". */
  readonly key: string;
  readonly text: string;
  readonly description?: string;
}

/** An error, and for an anyOf whose every branch failed, each branch's own error. */
type Folded = ErrorObject & { readonly branches?: readonly ErrorObject[] };

const MAX_LISTED = 20;

/** Keywords that fail only a value of the branch's own shape (a mapping or a list). */
const SHAPED = new Set(["required", "additionalProperties", "minItems", "maxItems", "uniqueItems"]);

/** The errors as problems, an anyOf's branches folded into one line. */
export function describeConfigErrors(
  errors: readonly ErrorObject[],
  data: unknown,
  schemaFile: string,
): ConfigProblem[] {
  const raw = JSON.parse(readFileSync(projectPath("schemas", schemaFile), "utf8")) as SchemaNode;
  const schema = inline(raw, raw.definitions ?? {}) as SchemaNode;
  const problems: ConfigProblem[] = [];
  for (const error of fold(errors)) {
    const setting = settingAt(schema, error.instancePath);
    const got = `got ${show(valueAt(data, error.instancePath))}`;
    const missing = (error.params as { missingProperty?: string }).missingProperty;
    const description =
      error.keyword === "required" && missing !== undefined
        ? resolve(setting.node, "properties")?.properties?.[missing]?.description
        : setting.description;
    const line = {
      key: keyPath(error.instancePath),
      text: wording(error, setting.node, got),
      ...(description === undefined ? {} : { description }),
    };
    if (!problems.some((seen) => seen.key === line.key && seen.text === line.text))
      problems.push(line);
  }
  return problems.slice(0, MAX_LISTED);
}

/**
 * ajv reports an anyOf after every branch's errors at the same place. When there are errors
 * deeper inside the value, the value had one branch's shape and those deeper errors are the
 * real ones; otherwise the anyOf alone says it, listing what each branch allows.
 */
function fold(errors: readonly ErrorObject[]): Folded[] {
  const at = (path: string) => errors.filter((error) => error.instancePath === path);
  const deeper = (path: string) =>
    errors.some((error) => error.instancePath.startsWith(`${path}/`));
  const anyOfAt = new Set(
    errors.filter((error) => error.keyword === "anyOf").map((error) => error.instancePath),
  );
  const out: Folded[] = [];
  for (const error of errors) {
    if (!anyOfAt.has(error.instancePath)) {
      out.push(error);
    } else if (error.keyword === "anyOf" && !deeper(error.instancePath)) {
      const branches = at(error.instancePath).filter((other) => other.keyword !== "anyOf");
      // A missing or unknown key means the value was a mapping, as one branch wants: its
      // errors say what is wrong; "or false" would not.
      const shaped = branches.filter((branch) => SHAPED.has(branch.keyword));
      if (shaped.length > 0) out.push(...shaped);
      else out.push({ ...error, branches });
    }
  }
  return out;
}

function wording(error: Folded, node: SchemaNode | undefined, got: string): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "anyOf": {
      const alternatives = (error.branches ?? []).map((branch) =>
        allowed(branch, branchOf(node, branch)),
      );
      return `${got}; allowed: ${unique(alternatives).join(", or ")}`;
    }
    case "additionalProperties": {
      const name = String(params.additionalProperty);
      const known = Object.keys(resolve(node, "properties")?.properties ?? {});
      const near = known.find((key) => distance(key, name) <= 2);
      return (
        `unknown setting ${JSON.stringify(name)}` +
        (near === undefined ? "" : ` (did you mean ${near}?)`) +
        (known.length > 0 ? `; allowed here: ${known.join(", ")}` : "")
      );
    }
    case "required":
      return `missing the setting ${JSON.stringify(params.missingProperty)}`;
    default:
      return `${got}; allowed: ${allowed(error, resolve(node))}`;
  }
}

/** What one failed keyword allows, in words. */
function allowed(error: ErrorObject, node?: SchemaNode): string {
  const params = error.params as Record<string, unknown>;
  const type = (): string => kind(node?.type);
  switch (error.keyword) {
    case "type":
      return kind(params.type as string);
    case "enum":
      return `one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "const":
      return JSON.stringify(params.allowedValue);
    case "minimum":
    case "exclusiveMinimum":
      return `${type()} ${error.keyword === "minimum" ? "of at least" : "above"} ${String(params.limit)}`;
    case "maximum":
    case "exclusiveMaximum":
      return `${type()} ${error.keyword === "maximum" ? "of at most" : "below"} ${String(params.limit)}`;
    case "pattern":
      return `text matching ${String(params.pattern)}`;
    case "minLength":
      return `text of at least ${String(params.limit)} characters`;
    case "maxLength":
      return `text of at most ${String(params.limit)} characters`;
    case "minItems":
      return `a list of at least ${String(params.limit)}`;
    case "maxItems":
      return `a list of at most ${String(params.limit)}`;
    case "uniqueItems":
      return "a list without duplicates";
    default:
      return error.message ?? "something else";
  }
}

const KINDS: Record<string, string> = {
  string: "text",
  integer: "a whole number",
  number: "a number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping of settings",
  null: "nothing (null)",
};

/** A JSON Schema type (or ajv's "array,null") in words. */
function kind(type: string | readonly string[] | undefined): string {
  if (type === undefined) return "a value";
  const list = typeof type === "string" ? type.split(",") : type;
  return list.map((name) => KINDS[name] ?? name).join(" or ");
}

const unique = (list: readonly string[]): string[] => [...new Set(list)];

/** `/sshd/0/port` as `sshd[0].port`. */
function keyPath(pointer: string): string {
  if (pointer === "") return "(the whole file)";
  return pointer
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce(
      (path, part) =>
        /^\d+$/.test(part) ? `${path}[${part}]` : path === "" ? part : `${path}.${part}`,
      "",
    );
}

/** The value a JSON pointer names in `data`. */
function valueAt(data: unknown, pointer: string): unknown {
  let value = data;
  for (const part of pointer.split("/").slice(1)) {
    const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
    value = (value as Record<string, unknown> | undefined)?.[key];
  }
  return value;
}

/** A value as the admin wrote it, short. */
function show(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value !== null && typeof value === "object") return "a mapping";
  const text = JSON.stringify(value) ?? "nothing";
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The schema of the setting at a JSON pointer into the file, following properties, items,
 * $refs and the anyOf branch of the right shape; with the description the setting carries.
 */
function settingAt(
  schema: SchemaNode,
  pointer: string,
): { node: SchemaNode | undefined; description?: string } {
  let node: SchemaNode | undefined = schema;
  // The file's own description says nothing about one setting.
  let description: string | undefined;
  for (const part of pointer.split("/").slice(1)) {
    const index = /^\d+$/.test(part);
    const parent = resolve(node, index ? "items" : "properties");
    const child: SchemaNode | undefined = index
      ? parent?.items
      : parent?.properties?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    // An item of a list is explained by the list's description; a key only by its own.
    description =
      child?.description ?? resolve(child)?.description ?? (index ? description : undefined);
    node = child;
  }
  return { node, description };
}

/** The schema with every $ref replaced by its definition (the reference's own keys win). */
function inline(node: unknown, definitions: Record<string, SchemaNode>): unknown {
  if (Array.isArray(node)) return node.map((item) => inline(item, definitions));
  if (node === null || typeof node !== "object") return node;
  const { $ref, ...rest } = node as SchemaNode & Record<string, unknown>;
  const own = Object.fromEntries(
    Object.entries(rest).map(([key, value]) => [key, inline(value, definitions)]),
  );
  if ($ref === undefined) return own;
  const target = definitions[$ref.split("/").pop() as string];
  return { ...(inline(target, definitions) as object), ...own };
}

/**
 * The anyOf branch a branch's error came from (ajv's schemaPath ends .../anyOf/<i>/<keyword>),
 * so that a bound is worded with its branch's type: "a whole number of at most 65535".
 */
function branchOf(node: SchemaNode | undefined, error: ErrorObject): SchemaNode | undefined {
  const index = /\/anyOf\/(\d+)\/[^/]+$/.exec(error.schemaPath)?.[1];
  return index === undefined ? undefined : node?.anyOf?.[Number(index)];
}

/** A node, or the branch of its anyOf that has the shape asked for (a mapping or a list). */
function resolve(
  node: SchemaNode | undefined,
  shape?: "properties" | "items",
): SchemaNode | undefined {
  if (node?.anyOf === undefined || (shape !== undefined && node[shape] !== undefined)) return node;
  const branch =
    shape === undefined ? undefined : node.anyOf.find((choice) => choice[shape] !== undefined);
  return branch ?? node;
}

/** Edit distance, for a mistyped key. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}
