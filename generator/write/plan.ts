import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pendingChange } from "../../core/change";
import { UserError } from "../../core/errors";
import { byCodeUnit } from "../../core/order";
import { shellQuote } from "../../core/shell";
import { inspect, type DiskFile } from "./disk";
import { normalizeFiles, type FileMap, type NewFile } from "./files";
import { readManifest, renderManifest } from "./manifest";
import { hasMarker } from "./marker";
import { MANIFEST_FILE } from "./paths";

/** Why a file blocks the write: uan-k3s never wrote it, or someone edited it since. */
export type ConflictReason = "unmanaged" | "edited";

interface Entry {
  /** Relative POSIX path inside --out. */
  readonly path: string;
  /** What was on disk when the plan was made; null when nothing was. */
  readonly disk: DiskFile | null;
}

/** A file of the new tree: absent (create), ours and out of date (update), or up to date. */
export interface WriteEntry extends Entry {
  readonly action: "create" | "update" | "unchanged";
  readonly text: string;
  readonly executable: boolean;
}

/** A file uan-k3s wrote last time and no longer generates, untouched since (or already gone). */
export interface RemoveEntry extends Entry {
  readonly action: "remove";
}

/** A file that writing would destroy and that uan-k3s does not know the content of. */
export interface ConflictEntry extends Entry {
  readonly action: "conflict";
  readonly reason: ConflictReason;
  /** For the admin: "not written by uan-k3s", "edited since uan-k3s wrote it", …. */
  readonly why: string;
  /** What --force writes, or null for a file no longer generated, which --force removes. */
  readonly text: string | null;
  readonly executable: boolean;
}

export type PlanEntry = WriteEntry | RemoveEntry | ConflictEntry;
export type WriteAction = PlanEntry["action"];

export interface WritePlan {
  /** --out, resolved. */
  readonly dir: string;
  /** Every path of the new tree and of the old manifest, in code-unit order. */
  readonly entries: readonly PlanEntry[];
  readonly conflicts: readonly ConflictEntry[];
  /** The manifest text applyWrite writes last. */
  readonly manifest: string;
  /** Whether applying would change anything on disk (what --check reports). */
  readonly changed: boolean;
}

/**
 * Compares the generated `files` with what is in `dir` and its manifest. Reads, never writes.
 * A file already holding exactly the new bytes counts as unchanged even if the manifest does
 * not list it: that is how a run interrupted before the manifest was written recovers.
 */
export function planWrite(dir: string, files: FileMap): WritePlan {
  const root = resolve(dir);
  if (pendingChange(root)) {
    throw new UserError(
      `${root} holds an unfinished change: a gen-roles run was interrupted while writing`,
      `Run uan-k3s gen-roles --out ${shellQuote(root)} (without --check or --diff): it finishes the change first.`,
    );
  }
  const wanted = normalizeFiles(files);
  const recorded = readManifest(root);
  const generated = new Set(wanted.map((file) => file.path));
  const entries: PlanEntry[] = [
    ...wanted.map((file) => planFile(root, file, recorded.files.get(file.path))),
    ...[...recorded.files]
      .filter(([path]) => !generated.has(path))
      .map(([path, known]) => planStale(root, path, known)),
  ].sort((a, b) => byCodeUnit(a.path, b.path));
  const manifest = renderManifest(new Map(wanted.map((file) => [file.path, file.hash])));
  const conflicts = entries.filter((entry): entry is ConflictEntry => entry.action === "conflict");
  const changed =
    entries.some((entry) => entry.action !== "unchanged") || manifest !== recorded.text;
  return { dir: root, entries, conflicts, manifest, changed };
}

/** A generated file, given the hash the manifest recorded for it (if any). */
function planFile(root: string, file: NewFile, known: string | undefined): PlanEntry {
  const disk = inspect(root, file.path);
  const write = { path: file.path, disk, text: file.text, executable: file.executable };
  if (disk === null) return { ...write, action: "create" };
  if (disk.hash === file.hash) {
    return { ...write, action: disk.executable === file.executable ? "unchanged" : "update" };
  }
  if (disk.hash === known) return { ...write, action: "update" };
  if (known !== undefined) return { ...write, action: "conflict", reason: "edited", why: EDITED };
  const why = hasMarker(readFileSync(join(root, file.path), "utf8"))
    ? `not written by uan-k3s (it has the marker but is not in ${MANIFEST_FILE})`
    : "not written by uan-k3s";
  return { ...write, action: "conflict", reason: "unmanaged", why };
}

/** A file the manifest lists that is no longer generated. */
function planStale(root: string, path: string, known: string): PlanEntry {
  const disk = inspect(root, path);
  if (disk === null || disk.hash === known) return { path, disk, action: "remove" };
  const why = `${EDITED}; no longer generated, --force removes it`;
  return { path, disk, action: "conflict", reason: "edited", why, text: null, executable: false };
}

const EDITED = "edited since uan-k3s wrote it";

/** What applying `entry` with --force leaves on disk: a file, or null for none. */
export function outcome(entry: PlanEntry): { text: string; executable: boolean } | null {
  if (entry.action === "remove" || entry.text === null) return null;
  return { text: entry.text, executable: entry.executable };
}
