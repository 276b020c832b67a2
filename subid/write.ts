import * as fs from "node:fs";
import { beginChange, type ChangeOps } from "../core/change";

export type { ChangeOps as WriteOps } from "../core/change";

export interface FileToWrite {
  /** The file's name in the directory written. */
  readonly name: string;
  readonly data: string;
}

/**
 * Replaces several files of `dir` together, creating it: all of them or none, whenever the
 * run is killed (core/change.ts: staged and flushed, one commit point, finished by the next
 * run). Mode is set exactly, not through the umask: subuid and subgid must be world-readable,
 * 0644. A failure before the commit point leaves every file as it was.
 */
export function writeTogether(
  dir: string,
  files: readonly FileToWrite[],
  mode = 0o644,
  ops: ChangeOps = fs,
): void {
  const change = beginChange(dir, ops);
  try {
    for (const file of files) change.write(file.name, file.data, mode);
    change.commit();
  } finally {
    change.end();
  }
}
