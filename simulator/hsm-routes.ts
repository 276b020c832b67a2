import type { HsmGroup } from "../schemas/generated/hsm";
import { ABOUT_BLANK, jsonReply, problemReply } from "./reply";
import type { Route } from "./router";
import type { SimulatorState } from "./state";

export const HSM_BASE = "/apis/smd/hsm/v2";

/** HSM groups, read-only. */
export function hsmRoutes(state: SimulatorState): Route[] {
  return [
    {
      method: "GET",
      pattern: `${HSM_BASE}/groups`,
      handle: (request) => {
        // ?group=a&group=b keeps the named groups; no filter keeps them all.
        const wanted = request.query.getAll("group").map(normalizeLabel);
        const groups = state.groups.filter(
          (group) => wanted.length === 0 || wanted.includes(normalizeLabel(group.label)),
        );
        return jsonReply(200, groups);
      },
    },
    {
      method: "GET",
      pattern: `${HSM_BASE}/groups/:label`,
      handle: (request) => {
        const label = normalizeLabel(request.params.label);
        const group: HsmGroup | undefined = state.groups.find(
          (candidate) => normalizeLabel(candidate.label) === label,
        );
        return group === undefined
          ? problemReply(404, `No such group: ${label}`, { type: ABOUT_BLANK })
          : jsonReply(200, group);
      },
    },
  ];
}

/** HSM stores labels in lower case and lower-cases the labels it is asked for. */
function normalizeLabel(label: string): string {
  return label.toLowerCase();
}
