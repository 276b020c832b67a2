/**
 * The Ansible inventory of the UANs, pure, as a pipeline
 *
 *   SLS and HSM (loaded by csm/)  →  buildInventory: groups, hostvars, the K3s designation
 *   →  scopeInventory: only the hosts of the scope (all, k3s, or named groups)
 *   →  listDocument / hostDocument / graphText (the script protocol: --list, --host, --graph)
 *      or exportYaml (a static inventory file)
 */
export {
  ANSIBLE_GROUP_NAME,
  buildInventory,
  type HostnameMode,
  type HostVars,
  type Inventory,
  type InventoryOptions,
} from "./build";
export { addressVar, findNodeAddresses, type NodeAddresses } from "./addresses";
export {
  designateK3s,
  K3S_AGENT,
  K3S_SERVER,
  type Designation,
  type DesignationInput,
  type ExplicitDesignation,
} from "./designate";
export {
  dynamicMetallbFullName,
  findSubnet,
  isUserNetwork,
  k3sSubnetFullName,
  subnetsOf,
  systemDefaultRoute,
  USER_NETWORKS,
  type UserNetwork,
} from "./networks";
export { graphText, hostDocument, listDocument, listJson } from "./protocol";
export { exportYaml } from "./export-yaml";
export {
  describeScope,
  K3S_SCOPE_GROUPS,
  parseScope,
  scopeInventory,
  type InventoryScope,
} from "./scope";
