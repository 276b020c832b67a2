/**
 * The pure core of `uan-k3s split`: plan the K3s subnet, then find what already uses its
 * addresses. No files, no network: the CLI loads SLS and the services and writes the result.
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
