import { writeFileAtomic } from "../core/fs";
import type { Log } from "../core/log";
import { loadSystem } from "../csm/source";
import { buildInventory, type Inventory } from "../inventory/build";
import { graphText, hostDocument, listJson } from "../inventory/protocol";
import { describeScope, scopeInventory } from "../inventory/scope";
import type { LoadedConfig } from "./config";
import { InventoryCache, type ScopedInventory } from "./inventory-cache";
import type { SourceSettings } from "./settings";
import { openSources } from "./sources";

// The inventory from the settings, shared by `uan-k3s inventory`, `gen-roles` and the inventory
// script; the script must not load commander, so this is not in cli/commands/inventory.ts.

export type InventoryRequest =
  | { readonly kind: "list" }
  | { readonly kind: "host"; readonly name: string }
  | { readonly kind: "graph" }
  | { readonly kind: "export"; readonly output?: string };

/** Reads SLS and HSM as the settings say and builds the inventory; warnings go to `log`. */
export async function loadInventory(
  settings: SourceSettings,
  config: LoadedConfig | undefined,
  log: Log,
): Promise<Inventory> {
  const { sls, hsm } = openSources(settings, log);
  const system = await loadSystem(sls, hsm);
  const k3s = config?.data.k3s;
  const inventory = buildInventory(system, {
    hostnames: settings.hostnames,
    k3s: k3s === undefined ? undefined : { ...k3s, origin: config!.path },
    k3sSubnetFullName: config?.data.sls_can_metallb_fullname,
  });
  for (const note of inventory.notes) log.debug?.(note);
  for (const warning of inventory.warnings) log.warn(warning);
  return inventory;
}

/**
 * The inventory cut to the settings' scope: from the cache when a file source's earlier run
 * left it there (see InventoryCache), replaying its warnings, else built and cached.
 */
async function loadScopedInventory(
  settings: SourceSettings,
  config: LoadedConfig | undefined,
  log: Log,
): Promise<ScopedInventory> {
  const cache = InventoryCache.open(settings, config);
  const cached = settings.refresh ? undefined : cache?.read();
  if (cached !== undefined) {
    for (const note of cached.inventory.notes) log.debug?.(note);
    for (const warning of cached.inventory.warnings) log.warn(warning);
    return cached;
  }
  const whole = await loadInventory(settings, config, log);
  const scoped = { inventory: scopeInventory(whole, settings.scope), total: whole.hostvars.size };
  cache?.write(scoped, log);
  return scoped;
}

/** Answers one inventory request; the document goes to `write` (stdout), nothing else does. */
export async function runInventory(
  request: InventoryRequest,
  settings: SourceSettings,
  config: LoadedConfig | undefined,
  log: Log,
  write: (text: string) => void,
): Promise<void> {
  const { inventory, total } = await loadScopedInventory(settings, config, log);
  log.debug?.(
    `inventory scope ${describeScope(settings.scope)}: ${inventory.hostvars.size} of ${total} hosts`,
  );
  switch (request.kind) {
    case "list":
      for (const piece of listJson(inventory)) write(piece);
      return;
    case "host":
      return write(`${JSON.stringify(hostDocument(inventory, request.name))}\n`);
    case "graph":
      return write(graphText(inventory));
    case "export": {
      // Loaded here: the inventory script, which never exports, need not load it.
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { exportYaml } =
        require("../inventory/export-yaml") as typeof import("../inventory/export-yaml");
      /* eslint-enable @typescript-eslint/no-require-imports */
      const origin = settings.slsFile ?? settings.apiGateway;
      const yaml = exportYaml(
        inventory,
        `Ansible inventory exported by "uan-k3s inventory --list --format yaml" from ${origin}`,
      );
      if (request.output === undefined) return write(yaml);
      writeFileAtomic(request.output, yaml);
      log.info(`wrote ${request.output}`);
    }
  }
}
