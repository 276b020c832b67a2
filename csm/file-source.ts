import { readTextFile } from "../core/fs";
import type { UserError } from "../core/errors";
import { parseJson } from "../core/json";
import { validate } from "../core/validate";
import type { HsmGroup } from "../schemas/generated/hsm";
import type { SlsDump, SlsHardware } from "../schemas/generated/sls";
import { NODE_TYPE, noNetworks, type HsmSource, type SlsData, type SlsSource } from "./source";

/**
 * Reads and checks a `GET /dumpstate` file (`cray sls dumpstate list --format json`). A dump
 * that is `null`, or whose Networks is, is one of an SLS that holds no networks.
 */
export function readSlsDump(path: string): SlsDump {
  const data = parseJson(readTextFile(path, "SLS dump"), path);
  if (data === null) throw noNetworksIn(path, "is null");
  if ((data as { Networks?: unknown }).Networks === null) {
    throw noNetworksIn(path, 'has "Networks": null');
  }
  return validate<SlsDump>(data, "sls.schema.json", path);
}

function noNetworksIn(path: string, what: string): UserError {
  return noNetworks(
    path,
    what,
    "Dump SLS again where it holds the system's networks (cray sls dumpstate list --format json > FILE), and pass that file.",
  );
}

/** Reads and checks a `GET /hsm/v2/groups` file (`cray hsm groups list --format json`). */
export function readHsmGroups(path: string): HsmGroup[] {
  return validate<HsmGroup[]>(
    parseJson(readTextFile(path, "HSM groups file"), path),
    "hsm.schema.json",
    path,
  );
}

/** SLS from a dumpstate file. */
export class FileSlsSource implements SlsSource {
  constructor(readonly origin: string) {}

  load(): Promise<SlsData> {
    const dump = readSlsDump(this.origin);
    // The simulator serves such a dump (an empty SLS); a command cannot work from one.
    if (Object.keys(dump.Networks).length === 0)
      throw noNetworksIn(this.origin, 'has "Networks": {}');
    return Promise.resolve(fromDump(dump));
  }
}

export function fromDump(dump: SlsDump): SlsData {
  const hardware = dump.Hardware ?? {};
  const nodes: SlsHardware[] = [];
  const warnings: string[] = [];
  // One loop, no entry pairs: a large dump holds over 100,000 entries. An index loop, since
  // much of it runs before it is optimized, where an array's for...of costs an iterator.
  const keys = Object.keys(hardware);
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i];
    const hw = hardware[key];
    if (hw?.Type !== NODE_TYPE) continue;
    nodes.push(hw);
    // SLS keys its dump by Xname; a key that says otherwise is contradictory data, and which of
    // the two is right nobody can tell from here. The node keeps its Xname, as the API gives it.
    if (key !== hw.Xname)
      warnings.push(
        `SLS Hardware entry ${JSON.stringify(key)} has Xname ${JSON.stringify(hw.Xname)}: a dump keys each entry by its Xname; using the Xname, fix the entry in SLS`,
      );
  }
  return {
    networks: new Map(Object.entries(dump.Networks).map(([k, v]) => [k, v!])),
    nodes,
    ...(warnings.length === 0 ? {} : { warnings }),
  };
}

/** HSM groups from a groups file. */
export class FileHsmSource implements HsmSource {
  constructor(readonly origin: string) {}

  groups(): Promise<HsmGroup[]> {
    return Promise.resolve(readHsmGroups(this.origin));
  }
}

/** No HSM data: used with --sls-file and no --hsm-file; the installer's default designation applies. */
export const NO_HSM: HsmSource = {
  origin: "(no HSM groups given)",
  groups: () => Promise.resolve([]),
};
