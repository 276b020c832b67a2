import { resolve } from "node:path";
import { buildRoleModel, type RoleModel } from "../generator/model";
import { renderRoles } from "../generator/render";
import { describeWritePlan, planWrite } from "../generator/write";
import type { Inventory } from "../inventory/build";
import { command, failure, fail, pass, skip, warn, type Check } from "./check";
import type { DoctorConfig } from "./run";

const ROLES =
  "The sshd instances have unique ports, none that the node or K3s uses, and the roles can be generated";
const TREE = "The generated tree is up to date";

/** The role model builds from the config; with `out`, the tree there is what gen-roles writes. */
export function checkRoles(
  config: DoctorConfig | undefined,
  inventory: Inventory | undefined,
  out: string | undefined,
  sourceArgs: readonly string[],
): Check[] {
  const tree = (why: string): Check[] => (out === undefined ? [] : [skip("tree", TREE, why)]);
  if (inventory === undefined)
    return [skip("roles", ROLES, "no inventory"), ...tree("no inventory")];
  let model: RoleModel;
  try {
    model = buildRoleModel(config?.data ?? {}, inventory, config?.path ?? "(defaults)");
  } catch (error) {
    return [failure("roles", ROLES, error), ...tree("the roles cannot be generated")];
  }
  const ports = model.sshd.map((sshd) => `${sshd.name}:${sshd.port}`).join(", ");
  const roles =
    model.warnings.length === 0
      ? pass("roles", ROLES, `sshd ${ports}`)
      : warn(
          "roles",
          ROLES,
          `sshd ${ports}; ${model.warnings.join("; ")}`,
          "Set those values in uan-k3s.yaml (uan-k3s init writes one with every setting).",
        );
  if (out === undefined) return [roles];
  // Reads only: planWrite compares, applyWrite is never called.
  const plan = planWrite(resolve(out), renderRoles(model));
  return [
    roles,
    plan.changed
      ? fail(
          "tree",
          TREE,
          `${resolve(out)} would change:\n${describeWritePlan(plan).trimEnd()}`,
          // The same config and data as this run, so that the command fixes what was found.
          command("uan-k3s", "gen-roles", "--out", out, ...sourceArgs) +
            (plan.conflicts.length === 0
              ? ""
              : ` --force   # overwrites ${plan.conflicts.length} file(s) edited by hand or not written by uan-k3s`),
        )
      : pass("tree", TREE, resolve(out)),
  ];
}
