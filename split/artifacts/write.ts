import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../core/errors";
import { writeFileAtomic } from "../../core/fs";
import { byCodeUnit } from "../../core/order";
import { ARTIFACT_NAMES, type ArtifactFiles } from "./render";

export interface WrittenArtifacts {
  /** The paths written, in code-unit order. */
  written: string[];
  /** The paths of ready-to-apply files an earlier run left that this run does not write. */
  removed: string[];
}

/**
 * Writes rendered artifacts into `dir`, creating it. First removes every file of ARTIFACT_NAMES
 * that `files` does not hold: a blocked run writes only its report, and an earlier run's PUT
 * body or pool manifest must not lie beside it looking ready. Then writes each file atomically,
 * in code-unit order, so a failure part-way leaves whole files only, never half of one.
 */
export function writeArtifacts(dir: string, files: ArtifactFiles): WrittenArtifacts {
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
  const removed = ARTIFACT_NAMES.filter((name) => !Object.hasOwn(files, name)).flatMap((name) =>
    removeStale(join(dir, name)),
  );
  const written = names.map((name) => {
    const path = join(dir, name);
    writeFileAtomic(path, files[name]);
    return path;
  });
  return { written, removed };
}

/** [path] if it existed and is gone now, [] if there was none. */
function removeStale(path: string): string[] {
  try {
    rmSync(path);
    return [path];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new UserError(
      `cannot remove ${path}, left by an earlier run, which this run's report does not match: ${(error as Error).message}`,
      "Remove it by hand, or pass --out an empty directory.",
      { cause: error },
    );
  }
}
