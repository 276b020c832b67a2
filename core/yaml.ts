import type { Document, DocumentOptions, Tags, ToStringOptions } from "yaml";
import { UserError } from "./errors";

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
  return document;
}
