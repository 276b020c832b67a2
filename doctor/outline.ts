import type { Check, Status } from "./check";

/**
 * What the text and JSON checklists share: the checks in order, each with its mark and the fix
 * worth saying, the tally and the verdict. Both renderers read this, never the checks alone.
 */
export interface DoctorOutline {
  readonly title: string;
  readonly items: readonly OutlineItem[];
  /** "7 pass, 3 warn, 0 fail, 0 skipped". */
  readonly tally: string;
  /** Some check failed: the command exits 1. Warnings and skips do not fail it. */
  readonly failed: boolean;
}

export interface OutlineItem {
  readonly check: Check;
  /** PASS, WARN, FAIL or SKIP. */
  readonly mark: string;
  /** The fix, for a check that did not pass. */
  readonly fix?: string;
}

const MARK: Record<Status, string> = { pass: "PASS", warn: "WARN", fail: "FAIL", skip: "SKIP" };

export function outline(checks: readonly Check[]): DoctorOutline {
  const count = (status: Status): number =>
    checks.filter((check) => check.status === status).length;
  return {
    title: "uan-k3s doctor",
    items: checks.map((check) => ({
      check,
      mark: MARK[check.status],
      fix: check.status === "pass" ? undefined : check.fix,
    })),
    tally: `${count("pass")} pass, ${count("warn")} warn, ${count("fail")} fail, ${count("skip")} skipped`,
    failed: count("fail") > 0,
  };
}
