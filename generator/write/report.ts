import type { WritePlan } from "./plan";

/**
 * One line per file that applying `plan` would touch, for stderr (what --check is unhappy
 * about): `create   k3s_validate.yml`, `conflict k3s.yml: not written by uan-k3s`.
 * "" when nothing would change.
 */
export function describeWritePlan(plan: WritePlan): string {
  return plan.entries
    .filter((entry) => entry.action !== "unchanged")
    .map((entry) => {
      const why = entry.action === "conflict" ? `: ${entry.why}` : "";
      return `${entry.action.padEnd(8)} ${entry.path}${why}\n`;
    })
    .join("");
}
