import type { HsmGroup } from "../schemas/generated/hsm";
import type { SlsDump } from "../schemas/generated/sls";

/** The simulated system. Routes change it in place; tests read it after a write. */
export interface SimulatorState {
  sls: SlsDump;
  groups: HsmGroup[];
  version: { Counter: number; LastUpdated: string };
  cfs: CfsConfigurations;
}

/** CFS configurations by name, as the service stores them: v3 spelling, `name` and `last_updated` set. */
export interface CfsConfigurations {
  configurations: Map<string, Record<string, unknown>>;
}

export function initialState(
  sls: SlsDump,
  groups: HsmGroup[],
  cfsConfigurations: Readonly<Record<string, object>> = {},
): SimulatorState {
  // Copies, so that a test's fixture object survives the writes of another test.
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  return {
    sls: structuredClone(sls),
    groups: structuredClone(groups),
    version: { Counter: 0, LastUpdated: new Date().toISOString() },
    cfs: {
      configurations: new Map(
        Object.entries(cfsConfigurations).map(([name, configuration]) => [
          name,
          { last_updated: now, ...structuredClone(configuration), name },
        ]),
      ),
    },
  };
}

/** SLS bumps its version counter on every write; clients use it to notice changes. */
export function recordWrite(state: SimulatorState, at: Date): void {
  state.version.Counter += 1;
  state.version.LastUpdated = at.toISOString();
}
