/**
 * The last phase of gen-roles, writeTree: put the rendered files into --out (a checkout of
 * uan-config-management) without clobbering what uan-k3s did not write.
 *
 *   const plan = planWrite(out, files);            // reads only; plan.changed is --check
 *   renderDiff(out, plan);                          // --diff
 *   const result = applyWrite(out, plan, { force }); // refuses on conflicts unless force
 *   await commitTree(out, result, { branch, log }); // --git-commit
 *
 * With --git-commit --branch, call checkoutBranch before planWrite (so the plan sees that branch's
 * files) and checkCommittable before applyWrite (so a refusal comes before any write).
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
export { applyWrite, type ApplyWriteOptions, type WriteResult } from "./apply";
export { renderDiff } from "./diff";
export { describeWritePlan } from "./report";
export {
  checkCommittable,
  checkoutBranch,
  commitTree,
  type CommitOptions,
  type CommitResult,
  type WorkTreeGitOptions,
} from "./git";
