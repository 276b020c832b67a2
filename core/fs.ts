import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { UserError } from "./errors";

/** Reads a UTF-8 file, turning "no such file" and friends into a message that names it. */
export function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : ((error as Error).message ?? String(error));
    throw new UserError(`cannot read ${what} ${path}: ${why}`, undefined, { cause: error });
  }
}

/**
 * Writes `data` to `path` so that readers see the old file or the new one, never half of one:
 * write a temporary file beside it, flush it, then rename it over the target.
 */
export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temp, "w", mode);
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    // Best effort: the message about the write matters more than one about the cleanup.
    try {
      rmSync(temp, { force: true, recursive: true });
    } catch {
      // nothing more to do
    }
    throw new UserError(
      `cannot write ${path}: ${(error as Error).message}`,
      "Check that the directory exists and is writable; nothing was changed.",
      { cause: error },
    );
  }
}
