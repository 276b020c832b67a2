import { readTextFile } from "../core/fs";
import { parseJson } from "../core/json";
import { validate } from "../core/validate";
import type { HsmGroup } from "../schemas/generated/hsm";
import type { SlsDump } from "../schemas/generated/sls";
import { NODE_TYPE, type HsmSource, type SlsData, type SlsSource } from "./source";

/** Reads and checks a `GET /dumpstate` file (`cray sls dumpstate list --format json`). */
export function readSlsDump(path: string): SlsDump {
  return validate<SlsDump>(
    parseJson(readTextFile(path, "SLS dump"), path),
    "sls.schema.json",
    path,
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
    return Promise.resolve(fromDump(readSlsDump(this.origin)));
  }
}

export function fromDump(dump: SlsDump): SlsData {
  const nodes = Object.values(dump.Hardware ?? {}).filter(
    (hw): hw is NonNullable<typeof hw> => hw?.Type === NODE_TYPE,
  );
  return { networks: new Map(Object.entries(dump.Networks).map(([k, v]) => [k, v!])), nodes };
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
