/**
 * `uan-k3s doctor` without the CLI: runChecks → outline → renderText | renderJson.
 *
 *   const checks = await runChecks(input); // reads the config, SLS, HSM, a tree; writes nothing
 *   const report = outline(checks); // marks, tally and the verdict (failed: exit 1)
 *   write(format === "json" ? renderJson(report) : renderText(report));
 *
 * The rules come from the features: the quorum verdict is inventory/designate's serverQuorum,
 * the subnet check split's planSplit and findConflicts, the tree check generator/write's
 * planWrite.
 */
export type { Check, Status } from "./check";
export {
  runChecks,
  type DoctorConfig,
  type DoctorInput,
  type DoctorSources,
  type SourcesUnavailable,
} from "./run";
export { onPath } from "./tools";
export { outline, type DoctorOutline, type OutlineItem } from "./outline";
export { renderJson, renderText } from "./render";
