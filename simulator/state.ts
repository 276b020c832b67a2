import type { HsmGroup } from "../schemas/generated/hsm";
import type { SlsDump } from "../schemas/generated/sls";

/** The simulated system. Routes change it in place; tests read it after a write. */
export interface SimulatorState {
  sls: SlsDump;
  groups: HsmGroup[];
  version: { Counter: number; LastUpdated: string };
}

export function initialState(sls: SlsDump, groups: HsmGroup[]): SimulatorState {
  // Copies, so that a test's fixture object survives the writes of another test.
  return {
    sls: structuredClone(sls),
    groups: structuredClone(groups),
    version: { Counter: 0, LastUpdated: new Date().toISOString() },
  };
}

/** SLS bumps its version counter on every write; clients use it to notice changes. */
export function recordWrite(state: SimulatorState, at: Date): void {
  state.version.Counter += 1;
  state.version.LastUpdated = at.toISOString();
}
