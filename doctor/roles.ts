import { resolve } from "node:path";
import { buildRoleModel, type RoleModel } from "../generator/model";
import { renderRoles } from "../generator/render";
import { describeWritePlan, planWrite } from "../generator/write";
import type { Inventory } from "../inventory/build";
import { failure, fail, pass, skip, warn, type Check } from "./check";
import type { DoctorConfig } from "./run";

const ROLES =
  "The sshd instances have unique ports, none of them 22, and the roles can be generated";
const TREE = "The generated tree is up to date";

/** The role model builds from the config; with `out`, the tree there is what gen-roles writes. */
export function checkRoles(
  config: DoctorConfig | undefined,
  inventory: Inventory | undefined,
  out: string | undefined,
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
          "See the warnings; set the values in uan-k3s.yaml.",
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
          `Run uan-k3s gen-roles --out ${out}.`,
        )
      : pass("tree", TREE, resolve(out)),
  ];
}
