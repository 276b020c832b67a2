/**
 * `uan-k3s cfs-layer`: the K3s layer ensured in a CFS configuration, as a pipeline
 *
 *   resolveRevision (a SHA | checkoutHead | remoteBranchHead | a branch kept)  →  buildLayer
 *   →  base (readBaseFile | fetchConfiguration | EMPTY_BASE)  →  ensureLayer
 *   →  configurationJson / bootprepYaml / diffConfigurations  →  applyConfiguration
 *
 * Pure but for git.ts (runs git), readBaseFile and fetchConfiguration in base.ts (read a file,
 * GET from CFS) and apply.ts (backup file, PUT to CFS).
 */
export {
  applyConfiguration,
  type ApplyConfigurationOptions,
  type ApplyConfigurationResult,
} from "./apply";
export {
  checkConfigurationName,
  configurationPath,
  EMPTY_BASE,
  fetchConfiguration,
  readBaseFile,
  type CfsApi,
  type CfsBase,
} from "./base";
export { backupConfigurationName } from "./backup";
export {
  CFS_LAYER_DEFAULTS,
  MAX_CONFIGURATION_NAME,
  MAX_LAYER_NAME,
  type CfsApiVersion,
} from "./defaults";
export {
  checkConfiguration,
  ensureLayer,
  type EnsureOptions,
  type EnsurePlan,
  type ResolvedBranches,
} from "./ensure";
export {
  checkoutHead,
  remoteBranchHead,
  resolveRevision,
  vcsCredentials,
  type RevisionGitOptions,
  type RevisionSource,
  type VcsCredentials,
} from "./git";
export {
  buildLayer,
  checkCloneUrl,
  layerInSpelling,
  normalizeCommit,
  repoPath,
  type LayerOptions,
  type LayerRevision,
} from "./layer";
export { bootprepYaml, configurationJson, describeEnsurePlan, diffConfigurations } from "./render";
export type { JsonObject } from "./spelling";
