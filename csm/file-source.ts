import { readTextFile } from "../core/fs";
import { parseJson } from "../core/json";
import { validate } from "../core/validate";
import type { HsmGroup } from "../schemas/generated/hsm";
import type { SlsDump } from "../schemas/generated/sls";
import { NODE_TYPE, type HsmSource, type SlsData, type SlsSource } from "./source";

/** SLS from a `GET /dumpstate` file (`cray sls dumpstate list --format json`). */
export class FileSlsSource implements SlsSource {
  constructor(readonly origin: string) {}

  load(): Promise<SlsData> {
    const text = readTextFile(this.origin, "SLS dump");
    const dump = validate<SlsDump>(parseJson(text, this.origin), "sls.schema.json", this.origin);
    return Promise.resolve(fromDump(dump));
  }
}

export function fromDump(dump: SlsDump): SlsData {
  const nodes = Object.values(dump.Hardware ?? {}).filter(
    (hw): hw is NonNullable<typeof hw> => hw?.Type === NODE_TYPE,
  );
  return { networks: new Map(Object.entries(dump.Networks).map(([k, v]) => [k, v!])), nodes };
}

/** HSM groups from a `GET /apis/smd/hsm/v2/groups` file (`cray hsm groups list --format json`). */
export class FileHsmSource implements HsmSource {
  constructor(readonly origin: string) {}

  groups(): Promise<HsmGroup[]> {
    const text = readTextFile(this.origin, "HSM groups file");
    return Promise.resolve(
      validate<HsmGroup[]>(parseJson(text, this.origin), "hsm.schema.json", this.origin),
    );
  }
}

/** No HSM data: used with --sls-file and no --hsm-file; the installer's default designation applies. */
export const NO_HSM: HsmSource = {
  origin: "(no HSM groups given)",
  groups: () => Promise.resolve([]),
};
