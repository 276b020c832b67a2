import { UserError } from "../core/errors";

/**
 * Subordinate ids must stay below 2^32 - 1: that value is `(uid_t) -1`, which the kernel and
 * shadow-utils read as "no id". A range `start:count` is valid when `start + count <= ID_LIMIT`.
 */
export const ID_LIMIT = 0xffffffff;

/** nobody and nfsnobody: real accounts in passwd, but never people who run containers. */
export const NOBODY_UIDS: readonly number[] = [65534, 4294967294];

/**
 * The lowest `start` accepted. Ids below 65536 are where local and system accounts live, and
 * local accounts of the UAN are usually missing from an LDAP export, so a range there could
 * hand a user the ids of a real account the passwd file does not show.
 */
export const MIN_START = 65536;

/** Defaults shared by the CLI and the library. */
export const subidDefaults = {
  /** Users with a lower uid are system accounts and get no range. @default 1000 */
  minUid: 1000,
  /** Ids in each new range. @default 65536 */
  count: 65536,
  /** Where new ranges begin when no existing range is higher. @default 100000 */
  start: 100000,
} as const;

export type SubidKind = "subuid" | "subgid";

/** Both files, in the order they are written, listed and checked. */
export const SUBID_KINDS: readonly SubidKind[] = ["subuid", "subgid"];

/**
 * The S3 bucket the files are uploaded to, each as the object named after its kind: where
 * HPE's uan_podman role, and the generated one, fetch them at every CFS run.
 */
export const UPLOAD_BUCKET = "user";

/** Refuses a numeric option that is not a whole number within `min..max`. */
export function checkIntegerOption(
  flag: string,
  value: number,
  min: number,
  max: number,
  why = "",
): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UserError(
      `${flag} must be a whole number from ${min} to ${max}${why}, not ${String(value)}`,
      `Pass ${flag} a value in that range.`,
    );
  }
}
