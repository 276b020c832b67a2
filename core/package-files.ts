import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { byCodeUnit } from "./order";
import { projectPath } from "./paths";

/**
 * The package's own files that running needs (roles-templates/, schemas/config.schema.json):
 * read from the package directory, or, in the single executable, from the copy its bundle
 * carries (packaging/sea-main.ts embeds them), since it has no directory beside it.
 */

export interface PackageFile {
  /** "/"-separated, relative to the package root, or to the tree in packageTree(). */
  readonly path: string;
  readonly text: string;
  readonly executable: boolean;
}

let load: (() => readonly PackageFile[]) | undefined;
let loaded: readonly PackageFile[] | undefined;

/**
 * The single executable's entry calls this first, with how to read the files the release
 * embedded: read on first use only, so that `--version` does not parse them.
 */
export function embedPackageFiles(files: () => readonly PackageFile[]): void {
  load = files;
}

function embeddedFiles(): readonly PackageFile[] | undefined {
  if (load !== undefined) loaded ??= load();
  return loaded;
}

/** The text of one package file, e.g. "schemas/config.schema.json". */
export function readPackageFile(path: string): string {
  const embedded = embeddedFiles();
  if (embedded === undefined) return readFileSync(projectPath(...path.split("/")), "utf8");
  const file = embedded.find((candidate) => candidate.path === path);
  if (file === undefined) throw new Error(`${path} is not embedded in this executable`);
  return file.text;
}

/** Every file under the package folder `dir`, sorted by path, each path relative to `dir`. */
export function packageTree(dir: string): PackageFile[] {
  const embedded = embeddedFiles();
  if (embedded === undefined) return readTree(projectPath(...dir.split("/")));
  const prefix = `${dir}/`;
  return embedded
    .filter((file) => file.path.startsWith(prefix))
    .map((file) => ({ ...file, path: file.path.slice(prefix.length) }))
    .sort((a, b) => byCodeUnit(a.path, b.path));
}

/** Every file under the directory `root` on disk, sorted by path, each path relative to it. */
export function readTree(root: string, under = ""): PackageFile[] {
  return readdirSync(join(root, under), { withFileTypes: true })
    .sort((a, b) => byCodeUnit(a.name, b.name))
    .flatMap((entry) => {
      const path = under === "" ? entry.name : `${under}/${entry.name}`;
      if (entry.isDirectory()) return readTree(root, path);
      const file = join(root, path);
      const executable = (statSync(file).mode & 0o111) !== 0;
      return [{ path, text: readFileSync(file, "utf8"), executable }];
    });
}
