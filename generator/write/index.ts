/**
 * The last phase of gen-roles, writeTree: put the rendered files into --out (a checkout of
 * uan-config-management) without clobbering what uan-k3s did not write.
 *
 *   recoverWrite(out);                               // finishes a killed run's change
 *   const plan = planWrite(out, files);              // reads only; plan.changed is --check
 *   renderDiff(out, plan);                           // --diff
 *   assertWritable(plan, { force, takeOver });       // refuses before any change
 *   const result = applyWrite(out, plan, options);   // one change: the whole tree or none
 *   await commitTree(out, result, { branch, log });  // --git-commit
 *
 * With --git-commit --branch, plan with planForBranch (the branch's files, nothing checked out)
 * and call checkCommittable, so any refusal comes before a git change; then checkoutBranch
 * and plan again before applyWrite.
 */
export { MARKER, hasMarker, markerLine, withMarker } from "./marker";
export { MANIFEST_FILE, pathProblem } from "./paths";
export { sha256, type FileMap, type GeneratedFile } from "./files";
export { readManifest, renderManifest, type Manifest, type RecordedManifest } from "./manifest";
export type { DiskFile } from "./disk";
export {
  planWrite,
  type ConflictEntry,
  type ConflictReason,
  type PlanEntry,
  type RemoveEntry,
  type WriteAction,
  type WriteEntry,
  type WritePlan,
} from "./plan";
export { applyWrite, assertWritable, type ApplyWriteOptions, type WriteResult } from "./apply";
export { recoverWrite } from "./recover";
export { renderDiff } from "./diff";
export { describeWritePlan } from "./report";
export {
  checkCommittable,
  checkoutBranch,
  commitTree,
  planForBranch,
  type CommitOptions,
  type CommitResult,
  type WorkTreeGitOptions,
} from "./git";
