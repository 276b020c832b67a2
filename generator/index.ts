/**
 * `uan-k3s gen-roles`, the role generator, as a pipeline
 *
 *   buildRoleModel (config, inventory)  →  renderRoles (model)  →  writeTree (./write)
 *
 * model.ts applies every default (defaults.ts) and checks the config against the inventory;
 * render.ts reads roles-templates/ and adds the vars files that vars.ts writes, each with the
 * "managed by uan-k3s" marker. Nothing here writes: write/ plans and writes the tree.
 */
export { buildRoleModel, type ResolvedHaproxy, type ResolvedSshd, type RoleModel } from "./model";
export { renderRoles, TEMPLATES } from "./render";
export { renderVarsFiles, varsFileYaml } from "./vars";
export {
  DEFAULT_HAPROXY,
  DEFAULT_HAPROXY_INSTANCE,
  DEFAULT_SSHD,
  DEFAULT_SSHD_INSTANCE,
  EXAMPLE_IMAGE,
  HAPROXY_DEFAULTS,
  PODMAN_DEFAULTS,
  ROLE_DEFAULTS,
  SSHD_DEFAULTS,
} from "./defaults";
