import type { Document, DocumentOptions, Tags, ToStringOptions } from "yaml";
import { UserError } from "./errors";
import { lineAndColumn } from "./json";

/**
 * The one door to the `yaml` package. Everything uan-k3s writes is read by PyYAML (Ansible,
 * CSM's tools), so output is YAML 1.1 (`yes`, `on` and `0644` come out quoted), never folded,
 * and never uses anchors: PyYAML reads them, but an admin editing a vars file should not meet
 * `*a1`. Parse errors name `file:line:column`.
 */

/**
 * The package, loaded on first use: the inventory script and most commands never need it, and
 * no module does work at import time.
 */
export function yamlModule(): typeof import("yaml") {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("yaml") as typeof import("yaml");
}

export interface PyYamlOptions {
  /** Double-quote every string value, as the UAN documentation writes its variables. */
  readonly quoteStrings?: boolean;
  /** Write null as nothing (`host:`), as static Ansible inventories do. */
  readonly emptyNull?: boolean;
  /** Indent a sequence under its key (`key:\n  - a`); false writes `key:\n- a`. @default true */
  readonly indentSeq?: boolean;
}

/** A YAML 1.1 document of `value`, to decorate (tags, comments) before `pyYamlString`. */
export function pyYamlDocument(value: unknown): Document {
  const YAML = yamlModule();
  return new YAML.Document(value, { version: "1.1", aliasDuplicateObjects: false });
}

/** `document` as text for PyYAML readers. */
export function pyYamlString(document: Document, options: PyYamlOptions = {}): string {
  const format: ToStringOptions = { lineWidth: 0, indentSeq: options.indentSeq ?? true };
  if (options.quoteStrings === true) {
    format.defaultStringType = "QUOTE_DOUBLE";
    format.defaultKeyType = "PLAIN";
  }
  if (options.emptyNull === true) format.nullStr = "";
  return document.toString(format);
}

/** `value` as YAML for PyYAML readers. */
export function toPyYaml(value: unknown, options: PyYamlOptions = {}): string {
  return pyYamlString(pyYamlDocument(value), options);
}

export interface ParseYamlOptions {
  /** Said after the error, e.g. which command makes a valid file. */
  readonly hint?: string;
  /** YAML version to read with. @default "1.2" */
  readonly version?: DocumentOptions["version"];
  readonly customTags?: Tags;
}

/**
 * Parses `text` (from `origin`, a path or a description) into a document, refusing duplicate
 * keys. The first error becomes a UserError `origin:line:column: invalid YAML: ...`.
 */
export function parseYaml(
  text: string,
  origin: string,
  options: ParseYamlOptions = {},
): Document.Parsed {
  const YAML = yamlModule();
  const document = YAML.parseDocument(text, {
    uniqueKeys: true,
    prettyErrors: true,
    ...(options.version === undefined ? {} : { version: options.version }),
    ...(options.customTags === undefined ? {} : { customTags: options.customTags }),
  });
  const problem = document.errors[0];
  if (problem !== undefined) {
    const position = problem.linePos?.[0];
    const at = position === undefined ? "" : `:${position.line}:${position.col}`;
    // The yaml package appends the position and a code excerpt; the position is already said.
    const message = (problem.message.split("\n")[0] ?? "").replace(
      / at line \d+, column \d+:?$/,
      "",
    );
    throw new UserError(`${origin}${at}: invalid YAML: ${message}`, options.hint, {
      cause: problem,
    });
  }
  // Only a document with an alias can expand beyond its text or name an anchor it lacks.
  if (text.includes("*")) checkAliases(document, text, origin, options.hint);
  return document;
}

/** How many times a document may expand its aliases when made a value (the package's default). */
export const MAX_ALIAS_COUNT = 100;

/**
 * The yaml package parses an alias of an undefined anchor, and a "billion laughs" chain of
 * aliases, without an error: both only throw (a ReferenceError, a bug's exit) when the
 * document is made a value. Checked here, so that every caller's toJS() is safe.
 */
function checkAliases(
  document: Document.Parsed,
  text: string,
  origin: string,
  hint: string | undefined,
): void {
  const YAML = yamlModule();
  let unresolved: { source: string; offset: number } | undefined;
  YAML.visit(document, {
    Alias(_, alias) {
      if (alias.resolve(document) !== undefined) return undefined;
      unresolved = { source: alias.source, offset: alias.range?.[0] ?? 0 };
      return YAML.visit.BREAK;
    },
  });
  if (unresolved !== undefined) {
    const { line, column } = lineAndColumn(text, unresolved.offset);
    throw new UserError(
      `${origin}:${line}:${column}: invalid YAML: alias *${unresolved.source} names no anchor ` +
        `&${unresolved.source} before it`,
      hint,
    );
  }
  try {
    document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    throw new UserError(
      `${origin}: invalid YAML: its aliases of aliases expand too far (past the limit of ` +
        `${MAX_ALIAS_COUNT}), as a resource exhaustion attack does`,
      hint ?? "Write the values out instead of nesting aliases of aliases.",
      { cause: error },
    );
  }
}
