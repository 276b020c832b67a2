import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { projectPath } from "../../core/paths";
import { fromDump, readHsmGroups, readSlsDump } from "../../csm/file-source";
import { buildRoleModel, type RoleModel } from "../../generator/model";
import { renderRoles } from "../../generator/render";
import type { GeneratedFile } from "../../generator/write/files";
import { buildInventory, type Inventory } from "../../inventory/build";
import type { UanK3SConfig } from "../../schemas/generated/config";

/** A fixture system under fixtures/systems/. */
export type SystemName = "seed" | "split" | "chn" | "pre12";

/** The origin named in messages about the config: the file an admin would edit. */
const ORIGIN = "uan-k3s.yaml";

/** The inventory gen-roles would see for a fixture system, host names as CFS uses them. */
export function fixtureInventory(system: SystemName, config: UanK3SConfig = {}): Inventory {
  const base = projectPath("fixtures", "systems", system);
  const sls = fromDump(readSlsDump(join(base, "sls.json")));
  const groups = readHsmGroups(join(base, "hsm-groups.json"));
  const k3s = config.k3s;
  return buildInventory(
    { sls, groups },
    {
      hostnames: "xname",
      ...(k3s?.servers === undefined && k3s?.agents === undefined
        ? {}
        : { k3s: { ...k3s, origin: ORIGIN } }),
    },
  );
}

/** The role model gen-roles builds for a fixture system and a config. */
export function fixtureModel(system: SystemName, config: UanK3SConfig = {}): RoleModel {
  return buildRoleModel(config, fixtureInventory(system, config), ORIGIN);
}

/** The rendered tree (path → file) for a fixture system and a config. */
export function renderFiles(
  system: SystemName,
  config: UanK3SConfig = {},
): Map<string, GeneratedFile> {
  return renderRoles(fixtureModel(system, config));
}

/** Writes a rendered tree under `dir`, scripts 0755 and the rest 0644, as gen-roles would. */
export function writeFiles(dir: string, files: ReadonlyMap<string, GeneratedFile>): void {
  for (const [path, file] of files) {
    const target = join(dir, ...path.split("/"));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.text);
    chmodSync(target, file.executable === true ? 0o755 : 0o644);
  }
}

/**
 * Renders the roles for a fixture system (and optionally a config) into a fresh temp dir and
 * returns it: the root of a uan-config-management checkout as CFS would clone it.
 */
export function renderTree(system: SystemName, config: UanK3SConfig = {}): string {
  const dir = mkdtempSync(join(tmpdir(), `uan-k3s-roles-${system}-`));
  writeFiles(dir, renderFiles(system, config));
  return dir;
}
