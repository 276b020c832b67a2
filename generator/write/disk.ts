import { lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../core/errors";
import { sha256 } from "./files";

/** What is on disk at a path the writer manages. */
export interface DiskFile {
  readonly hash: string;
  readonly executable: boolean;
}

/**
 * The regular file at `dir/path`, or null if there is none. Anything else in the way (a
 * directory, a symbolic link, a file where a directory should be) is refused: writing through a
 * link could land outside --out, and renaming over a directory fails halfway through a run.
 */
export function inspect(dir: string, path: string): DiskFile | null {
  const segments = path.split("/");
  for (let i = 1; i <= segments.length; i += 1) {
    const here = segments.slice(0, i).join("/");
    const stat = lstatSync(join(dir, here), { throwIfNoEntry: false });
    if (stat === undefined) return null;
    const last = i === segments.length;
    const what = stat.isSymbolicLink()
      ? "a symbolic link"
      : last && !stat.isFile()
        ? "not a regular file"
        : !last && !stat.isDirectory()
          ? "not a directory"
          : undefined;
    if (what !== undefined) {
      throw new UserError(
        `cannot write ${join(dir, path)}: ${here} is ${what}`,
        "uan-k3s writes only regular files in plain directories inside --out. Move it away " +
          "(git mv) or remove it, then re-run.",
      );
    }
    if (last) {
      const data = readFileSync(join(dir, path));
      // Git records only the owner's execute bit, so that is the one that counts here too.
      return { hash: sha256(data), executable: (stat.mode & 0o100) !== 0 };
    }
  }
  return null;
}
