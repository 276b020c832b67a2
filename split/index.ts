/**
 * `uan-k3s split`, the MetalLB K3s subnet split, as a pipeline
 *
 *   planSplit (SLS network)  →  findConflicts (SLS, parseServices)  →  buildSplitReport
 *   →  renderText / renderJson / renderMarkdown / renderHtml
 *   →  renderSplitArtifacts  →  writeArtifacts (--out)
 *   →  applySplit (--apply: backup file, re-read guard, PUT to SLS); restoreNetwork undoes it,
 *      previewRestore shows what it would change  →  renderOutcomeText / renderOutcomeJson
 *
 * The plan, conflicts, report and artifacts are pure: the CLI loads SLS and the services.
 * Only writeArtifacts writes files, and only apply/ writes SLS, through the SlsWriter given.
 */
export {
  BOOTSTRAP_SUBNET_NAME,
  CSM_POOL_NAMES,
  planSplit,
  splitDefaults,
  type AddressRange,
  type AlreadySplit,
  type CsmPool,
  type SplitOptions,
  type SplitPlan,
  type SplitPlanned,
} from "./plan";
export { findConflicts, type Conflict, type ConflictCheck } from "./conflicts";
export { parseServices, type K8sService, type K8sServiceList } from "./services";
export {
  ARTIFACT_NAMES,
  CSM_CONFIGMAP_FILE,
  CSM_IPADDRESSPOOL_FILE,
  UAN_HELM_FILE,
  renderSplitArtifacts,
  slsNetworkFile,
  slsNetworkJson,
  slsOriginalFile,
  type ArtifactFiles,
  type ArtifactSources,
} from "./artifacts/render";
export { writeArtifacts, type WrittenArtifacts } from "./artifacts/write";
export { poolChangeOf, type ConfigMapInput, type PoolChange } from "./artifacts/metallb-config";
export {
  applySplit,
  previewRestore,
  restoreCommand,
  restoreNetwork,
  type ApplySplitOptions,
  type ApplySplitResult,
  type RestoreNetworkOptions,
  type RestoreNetworkResult,
  type RestorePreview,
  type SlsWriter,
} from "./apply/apply";
export { readNetworkBackup } from "./apply/backup";
export { renderOutcomeJson, renderOutcomeText, type SlsWriteOutcome } from "./apply/outcome";
export { networkChanges } from "./apply/diff";
export {
  buildSplitReport,
  parseSplitReport,
  renderJson,
  type SplitReport,
  type SplitReportInput,
} from "./report/build";
export { renderText } from "./report/text";
export { renderMarkdown } from "./report/markdown";
export { renderHtml } from "./report/html";
