import { byCodeUnit } from "../core/order";
import { parseYaml } from "../core/yaml";
import { packageTree, type PackageFile } from "../core/package-files";
import type { RoleModel } from "./model";
import { renderVarsFiles } from "./vars";
import type { GeneratedFile } from "./write/files";
import { withMarker } from "./write/marker";

/**
 * The package folder that mirrors the tree gen-roles writes, copied as it is. The site's values
 * reach the roles only through the vars files (vars.ts): the serializer there tags anything
 * that could open Jinja `!unsafe`, which no text template could promise, so no role file is
 * templated.
 */
export const TEMPLATES = "roles-templates";

/**
 * The whole generated tree: the role sources, plus the vars files rendered from the role model,
 * each with the "managed by uan-k3s" marker. Same model, same bytes.
 */
export function renderRoles(
  model: RoleModel,
  templates: readonly PackageFile[] = packageTree(TEMPLATES),
): Map<string, GeneratedFile> {
  const files = new Map<string, GeneratedFile>();
  for (const { path, text, executable } of templates)
    files.set(path, { text: checked(path, withMarker(path, text)), executable });
  for (const [path, text] of renderVarsFiles(model))
    files.set(path, { text: withMarker(path, text) });
  return new Map([...files].sort(([a], [b]) => byCodeUnit(a, b)));
}

/** A role source that is broken YAML is a bug: catch it here, not in CFS at run time. */
function checked(path: string, text: string): string {
  if (/\.ya?ml$/.test(path)) {
    try {
      parseYaml(text, path, { version: "1.1", customTags: [unsafeTag] });
    } catch (error) {
      // Not the user's input: a bug in roles-templates/, so a plain Error with its stack.
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`roles-templates/${why}`, { cause: error });
    }
  }
  return text;
}

/** Ansible's `!unsafe` tag, so that the check above accepts files that use it. */
const unsafeTag = { tag: "!unsafe", resolve: (value: string): string => value };
