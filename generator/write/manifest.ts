import { existsSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../core/errors";
import { readTextFile } from "../../core/fs";
import { parseJson } from "../../core/json";
import { sortKeysDeep } from "../../core/order";
import { MANIFEST_FILE, pathProblem } from "./paths";

/** `.uan-k3s-manifest.json`: what uan-k3s last wrote, so it can tell its files from others'. */
export interface Manifest {
  readonly generator: "uan-k3s";
  /** Relative path → `sha256:<hex>` of the bytes written. */
  readonly files: Readonly<Record<string, string>>;
}

const HASH = /^sha256:[0-9a-f]{64}$/;

/** The manifest's bytes: sorted keys, 2-space JSON, a final newline, no time or version. */
export function renderManifest(hashes: ReadonlyMap<string, string>): string {
  const manifest: Manifest = { generator: "uan-k3s", files: Object.fromEntries(hashes) };
  return `${JSON.stringify(sortKeysDeep(manifest), null, 2)}\n`;
}

/** The manifest as found in --out. */
export interface RecordedManifest {
  /** Its bytes, or undefined when there is none yet. */
  readonly text: string | undefined;
  /** Relative path → recorded hash; empty when there is no manifest. */
  readonly files: ReadonlyMap<string, string>;
}

/**
 * `dir`'s manifest. One that is not ours or lists a path outside the tree is refused: the
 * writer removes files because the manifest lists them.
 */
export function readManifest(dir: string): RecordedManifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return { text: undefined, files: new Map() };
  const hint =
    `Restore it from git (git checkout -- ${MANIFEST_FILE}); if it is lost, delete it and ` +
    "re-run: every existing file will then be reported as not written by uan-k3s.";
  const bad = (why: string): UserError => new UserError(`${path}: ${why}`, hint);
  const text = readTextFile(path, "the uan-k3s manifest");
  let data: unknown;
  try {
    data = parseJson(text, path);
  } catch (error) {
    throw new UserError((error as Error).message, hint, { cause: error });
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw bad("not a JSON object");
  }
  const { generator, files } = data as Record<string, unknown>;
  if (generator !== "uan-k3s") throw bad('/generator must be "uan-k3s"');
  if (typeof files !== "object" || files === null || Array.isArray(files)) {
    throw bad("/files must be an object");
  }
  const hashes = new Map<string, string>();
  for (const [file, hash] of Object.entries(files)) {
    const problem = pathProblem(file);
    if (problem !== undefined) throw bad(`/files lists ${JSON.stringify(file)}: ${problem}`);
    if (typeof hash !== "string" || !HASH.test(hash)) {
      throw bad(`/files/${file} must be "sha256:" and 64 lower-case hex digits`);
    }
    hashes.set(file, hash);
  }
  return { text, files: hashes };
}
