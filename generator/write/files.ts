import { createHash } from "node:crypto";
import { byCodeUnit } from "../../core/order";
import { pathProblem } from "./paths";

/** One generated file when it needs more than its text. */
export interface GeneratedFile {
  readonly text: string;
  /** Write it with mode 0755 (a script) instead of 0644. @default false */
  readonly executable?: boolean;
}

/**
 * What the renderer hands the writer: relative POSIX path (`roles/uan_k3s/tasks/main.yml`) →
 * the file's text, or its text and mode.
 */
export type FileMap =
  ReadonlyMap<string, string | GeneratedFile> | Readonly<Record<string, string | GeneratedFile>>;

/** A validated entry of a {@link FileMap}. */
export interface NewFile {
  readonly path: string;
  readonly text: string;
  readonly executable: boolean;
  /** `sha256:<hex>` of the UTF-8 bytes of `text`. */
  readonly hash: string;
}

/** `sha256:<hex>` of `data`, as the manifest records it. */
export function sha256(data: string | Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/**
 * The file map as validated entries in code-unit order of their paths. A bad path or a file
 * that is also another file's directory is a bug in the renderer, so it throws a plain Error.
 */
export function normalizeFiles(files: FileMap): NewFile[] {
  const pairs = isMap(files) ? [...files] : Object.entries(files);
  const result = pairs.map(([path, value]): NewFile => {
    const problem = pathProblem(path);
    if (problem !== undefined)
      throw new Error(`gen-roles cannot write ${JSON.stringify(path)}: ${problem}`);
    const file = typeof value === "string" ? { text: value } : value;
    if (typeof file?.text !== "string") throw new Error(`gen-roles: no text for ${path}`);
    return { path, text: file.text, executable: file.executable === true, hash: sha256(file.text) };
  });
  const paths = new Set(result.map((file) => file.path));
  for (const { path } of result) {
    for (let slash = path.indexOf("/"); slash !== -1; slash = path.indexOf("/", slash + 1)) {
      if (paths.has(path.slice(0, slash))) {
        throw new Error(`gen-roles cannot write ${path}: ${path.slice(0, slash)} is also a file`);
      }
    }
  }
  return result.sort((a, b) => byCodeUnit(a.path, b.path));
}

function isMap(files: FileMap): files is ReadonlyMap<string, string | GeneratedFile> {
  return files instanceof Map;
}
