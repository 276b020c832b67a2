import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { recoverChanges, removeStrayTemporaryFiles } from "../../core/change";
import { readManifest } from "./manifest";
import { MANIFEST_FILE } from "./paths";

/**
 * Run before planning a write: finishes (or drops) the change a killed gen-roles run left in
 * `dir`, and removes the temporary files earlier versions of uan-k3s could leave beside the
 * files they wrote (`.main.yml.1234.tmp`, of a dead process). Returns what it did, for the
 * log; [] when there was nothing.
 */
export function recoverWrite(dir: string): string[] {
  const root = resolve(dir);
  if (!existsSync(root)) return [];
  const notes: string[] = [];
  const recovery = recoverChanges(root);
  if (recovery.found === "finished") {
    notes.push(
      `finished the change an interrupted run had begun in ${root} (${recovery.paths.length} files)`,
    );
  } else if (recovery.found === "dropped") {
    notes.push(`dropped what an interrupted run had staged in ${root}; no file had changed`);
  }
  const strays = strayTemporaryFiles(root);
  if (strays.length > 0) notes.push(`removed leftover temporary files: ${strays.join(", ")}`);
  return notes;
}

function strayTemporaryFiles(root: string): string[] {
  let managed: string[];
  try {
    managed = [...readManifest(root).files.keys()];
  } catch {
    return []; // planWrite reports a broken manifest.
  }
  return removeStrayTemporaryFiles(root, [...managed, MANIFEST_FILE]);
}
