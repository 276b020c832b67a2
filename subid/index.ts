/**
 * `uan-k3s subid`: the /etc/subuid and /etc/subgid files that rootless Podman on UANs needs
 * (seed procedure, "Prerequisites"), planned from a passwd file so that every user keeps the
 * range they have:
 *
 *   generateSubid: read passwd and the existing files → planSubid → renderSubidFile
 *                  → writeTogether (both files or neither)
 *   checkSubid:    read the same files → checkSubidFiles → formatCheck
 *
 * Only run.ts (reads) and write.ts (writes) touch the disk.
 */
export {
  ID_LIMIT,
  MIN_START,
  NOBODY_UIDS,
  SUBID_KINDS,
  subidDefaults,
  UPLOAD_BUCKET,
  type SubidKind,
} from "./defaults";
export { eligibleUsers, parsePasswd, type Passwd, type PasswdUser } from "./passwd";
export {
  emptySubidFile,
  parseSubidFile,
  renderSubidFile,
  type LineProblem,
  type LineProblemCode,
  type SubidEntry,
  type SubidFile,
  type SubidRange,
} from "./subid-file";
export {
  checkSubidFiles,
  type FindingCode,
  type SubidCheckInput,
  type SubidCheckResult,
  type SubidFinding,
} from "./check";
export {
  planSubid,
  type RemovedRange,
  type RemovedReason,
  type SubidKindPlan,
  type SubidPlan,
  type SubidPlanInput,
} from "./plan";
export { writeTogether, type FileToWrite, type WriteOps } from "./write";
export {
  checkSubid,
  generateSubid,
  uploadCommands,
  type SubidCheckOptions,
  type SubidKindSummary,
  type SubidOptions,
  type SubidResult,
} from "./run";
export { formatCheck, formatFinding, formatSubidResult } from "./format";
