import {
  buildLayer,
  CFS_LAYER_DEFAULTS,
  checkConfigurationName,
  ensureLayer,
  fetchConfiguration,
  repoPath,
  type CfsApi,
} from "../cfs";
import { MemoryLog } from "../core/log";
import { printable } from "../core/text";
import { command, fail, failure, pass, skip, warn, type Check } from "./check";
import { gitIn, notACheckout } from "./git";
import type { SourcesUnavailable } from "./run";

const ID = "cfs-layer";
const TITLE = "The CFS configuration's K3s layer runs the generated tree's commit";

export interface CfsLayerCheckInput {
  /** The CFS configuration the UANs run (doctor --name). */
  readonly name?: string;
  /** The checkout whose HEAD the layer should run (doctor --out). */
  readonly out?: string;
  /** CFS, or why it cannot be read; called only once the check has a name and a commit. */
  readonly openCfs: () => CfsApi | SourcesUnavailable;
  /** The flags of this run that pick the config and the data, repeated in the fix. */
  readonly sourceArgs: readonly string[];
}

/**
 * The K3s layer of configuration `name` (the layer cfs-layer would replace: k3s.yml from
 * uan-config-management, whatever the host) runs HEAD of `out`. Reads CFS; never writes.
 */
export async function checkCfsLayer(input: CfsLayerCheckInput): Promise<Check> {
  const { name, out } = input;
  if (name === undefined) {
    return skip(
      ID,
      TITLE,
      "no --name: which CFS configuration the UANs run is not known",
      "Add --name CONFIGURATION (cray cfs v3 configurations list shows them).",
    );
  }
  if (out === undefined) {
    return skip(
      ID,
      TITLE,
      "no --out: the layer is compared with HEAD of the generated checkout",
      "Add --out DIR, the uan-config-management checkout gen-roles wrote.",
    );
  }
  try {
    // Before git or CFS: the name goes into a URL.
    checkConfigurationName(name, "v3");
    const head = await gitIn(out)("rev-parse", "--verify", "HEAD");
    if (head === undefined) return skip(ID, TITLE, notACheckout(out));
    const cfs = input.openCfs();
    if ("unavailable" in cfs)
      return skip(ID, TITLE, `CFS was not read: ${cfs.unavailable}`, cfs.fix);
    // The command that points the layer at HEAD, as the admin would type it after the check.
    const apply = (...create: string[]): string =>
      command(
        "uan-k3s",
        "cfs-layer",
        "--repo",
        out,
        "--apply",
        ...create,
        "--name",
        name,
        ...input.sourceArgs,
      ) + "   # shows the diff; run it again with --yes to write it";
    const base = await fetchConfiguration(cfs, name, "v3");
    if (base.configuration === undefined) {
      return fail(
        ID,
        TITLE,
        `CFS has no configuration ${name} (${base.origin} answered 404)`,
        apply("--create"),
      );
    }
    // cfs-layer's own rule for which layer is the K3s one, so that doctor and the fix agree.
    const plan = ensureLayer(base, buildLayer({ revision: { commit: head } }), {
      apiVersion: "v3",
      log: new MemoryLog(),
    });
    const layer = plan.replaced;
    if (plan.action !== "replace" || layer === undefined) {
      return warn(
        ID,
        TITLE,
        `${name} has no layer that runs ${CFS_LAYER_DEFAULTS.playbook} from ` +
          `${repoPath(CFS_LAYER_DEFAULTS.cloneUrl)}: CFS does not set up K3s on its nodes`,
        apply(),
      );
    }
    const where = `${name} /layers/${plan.index}${typeof layer.name === "string" ? ` (${printable(layer.name)})` : ""}`;
    if (layer.commit === head) {
      return pass(ID, TITLE, `${where} runs ${head.slice(0, 12)}, HEAD of ${out}`);
    }
    const runs =
      typeof layer.commit === "string"
        ? `commit ${layer.commit.slice(0, 12)}`
        : typeof layer.branch === "string"
          ? `branch ${printable(layer.branch)}`
          : "no commit";
    return warn(
      ID,
      TITLE,
      `${where} runs ${runs}, not ${head.slice(0, 12)} (HEAD of ${out})`,
      apply(),
    );
  } catch (error) {
    return failure(ID, TITLE, error);
  }
}
