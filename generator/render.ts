import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { byCodeUnit } from "../core/order";
import { parseYaml } from "../core/yaml";
import { projectPath } from "../core/paths";
import type { RoleModel } from "./model";
import { renderVarsFiles } from "./vars";
import type { GeneratedFile } from "./write/files";
import { withMarker } from "./write/marker";

/**
 * A mirror of the tree gen-roles writes. A file suffixed `.ejs` is an EJS template rendered
 * with the role model; any other file is copied as it is. The site's values reach the roles
 * through the vars files (vars.ts), so today every file is plain.
 */
export const TEMPLATES_DIR = projectPath("roles-templates");

/** What a template sees as `locals`. */
export interface TemplateContext {
  readonly model: RoleModel;
  /** A YAML double-quoted scalar. Refuses text that could open Jinja: templates must not carry it. */
  readonly q: (value: string | number | boolean) => string;
}

/**
 * The whole generated tree: every template rendered with the role model, plus the vars files,
 * each with the "managed by uan-k3s" marker. Same model, same bytes.
 */
export function renderRoles(
  model: RoleModel,
  templatesDir = TEMPLATES_DIR,
): Map<string, GeneratedFile> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ejs = require("ejs") as typeof import("ejs");
  const context: TemplateContext = { model, q: quote };
  const files = new Map<string, GeneratedFile>();
  for (const source of listFiles(templatesDir)) {
    const path = relative(templatesDir, source)
      .split(sep)
      .join("/")
      .replace(/\.ejs$/, "");
    const raw = readFileSync(source, "utf8");
    const text = source.endsWith(".ejs")
      ? ejs.render(raw, context, { filename: source, strict: true })
      : raw;
    const executable = (statSync(source).mode & 0o111) !== 0;
    files.set(path, { text: checked(path, withMarker(path, text)), executable });
  }
  for (const [path, text] of renderVarsFiles(model))
    files.set(path, { text: withMarker(path, text) });
  return new Map([...files].sort(([a], [b]) => byCodeUnit(a, b)));
}

function quote(value: string | number | boolean): string {
  const text = String(value);
  if (text.includes("{"))
    throw new Error(
      `template value ${JSON.stringify(text)} could open Jinja; pass it through vars`,
    );
  return JSON.stringify(text);
}

/** A template that renders to broken YAML is a bug: catch it here, not in CFS at run time. */
function checked(path: string, text: string): string {
  if (/\.ya?ml$/.test(path)) {
    try {
      parseYaml(text, path, { version: "1.1", customTags: [unsafeTag] });
    } catch (error) {
      // Not the user's input: a bug in the template, so a plain Error with its stack.
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`rendered template ${why}`, { cause: error });
    }
  }
  return text;
}

/** Ansible's `!unsafe` tag, so that the check above accepts files that use it. */
const unsafeTag = { tag: "!unsafe", resolve: (value: string): string => value };

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => byCodeUnit(a.name, b.name))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? listFiles(path) : [path];
    });
}
