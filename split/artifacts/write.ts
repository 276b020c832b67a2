import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../core/errors";
import { writeFileAtomic } from "../../core/fs";
import { byCodeUnit } from "../../core/order";
import type { ArtifactFiles } from "./render";

/**
 * Writes rendered artifacts into `dir`, creating it. Each file is written atomically, in
 * code-unit order, so a failure part-way leaves whole files only, never half of one. Returns
 * the paths written.
 */
export function writeArtifacts(dir: string, files: ArtifactFiles): string[] {
  const names = Object.keys(files).sort(byCodeUnit);
  for (const name of names) {
    // Names come from renderSplitArtifacts; anything else is a bug that must not escape `dir`.
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) {
      throw new Error(`artifact name ${JSON.stringify(name)} is not a plain file name`);
    }
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new UserError(
      `cannot create the output directory ${dir}: ${(error as Error).message}`,
      "Pass --out a directory this user can create and write.",
      { cause: error },
    );
  }
  return names.map((name) => {
    const path = join(dir, name);
    writeFileAtomic(path, files[name]);
    return path;
  });
}
