import { sortKeysDeep } from "../../core/order";
import { printable } from "../../core/text";
import { subnetsOf } from "../../inventory/networks";
import type { SlsNetwork } from "../../schemas/generated/sls";
import { subnetSummary } from "../report/build";
import { alignTable, wrap } from "../report/text";
import { networkChanges } from "./diff";

/**
 * What a write to SLS did, or a restore would do: what `split --apply --yes` and
 * `split --restore` print on stdout instead of the plan's report, since the plan is done.
 */
export interface SlsWriteOutcome {
  /**
   * applied: the split was written and read back; restored: a backup was put back;
   * unchanged: SLS already held the backup, nothing was written; would-restore: `--restore`
   * without `--yes`, nothing was written.
   */
  action: "applied" | "restored" | "unchanged" | "would-restore";
  network: string;
  /** The backup put back (or that would be); null for a split. */
  restoredFrom: string | null;
  /** The network in SLS before, and after (or, for would-restore, as it would be). */
  before: SlsNetwork;
  after: SlsNetwork;
  /** The backup of the network as it was before the write; null when nothing was written. */
  backupFile: string | null;
  /** The command that puts backupFile back; null when nothing was written. */
  undoCommand: string | null;
  /** For would-restore: the command that writes what it shows. */
  writeCommand: string | null;
  /** False when the split was written without the live Services check (--skip-live-check). */
  kubernetesChecked: boolean | null;
  /** What the admin does next, in a sentence or two. */
  next: string;
}

const HEADLINES: Readonly<Record<SlsWriteOutcome["action"], (o: SlsWriteOutcome) => string>> = {
  applied: (o) => `APPLIED: the split is in SLS network ${o.network} (written and read back).`,
  restored: (o) =>
    `RESTORED: SLS network ${o.network} is as in ${o.restoredFrom} again (written and read back).`,
  unchanged: (o) =>
    `UNCHANGED: SLS network ${o.network} already equals ${o.restoredFrom}; nothing was written.`,
  "would-restore": (o) =>
    `DRY RUN: putting ${o.restoredFrom} back would change SLS network ${o.network} as below; nothing was written.`,
};

/** The outcome for a terminal: the headline, the changes, the subnets before and after, the undo. */
export function renderOutcomeText(outcome: SlsWriteOutcome): string {
  const changes = changesOf(outcome);
  const net = outcome.network;
  const out = [...wrap(HEADLINES[outcome.action](outcome), "", ""), ""];
  out.push(changes.length === 0 ? "Changes: none" : "Changes:");
  out.push(...changes.flatMap((change) => wrap(change, "  - ", "    ")), "");
  const future = outcome.action === "would-restore" ? "would be" : "now";
  for (const [title, network] of [
    [`${net} subnets before`, outcome.before],
    [`${net} subnets ${future}`, outcome.after],
  ] as const) {
    out.push(`${title}:`, ...alignTable(SUBNET_HEADER, subnetRows(network)).map((l) => `  ${l}`));
    out.push("");
  }
  if (outcome.kubernetesChecked === false) {
    out.push(
      "Kubernetes: NOT checked (--skip-live-check): live LoadBalancer IPs were not looked at",
    );
  }
  // A path or a command stays whole on its line, to copy.
  if (outcome.backupFile !== null) out.push(`Backup:  ${outcome.backupFile}`);
  if (outcome.undoCommand !== null) out.push(`To undo: ${outcome.undoCommand}`);
  if (outcome.writeCommand !== null) out.push(`To write: ${outcome.writeCommand}`);
  out.push(...wrap(outcome.next, "Next:    ", "         "));
  return `${out.map((line) => printable(line)).join("\n")}\n`;
}

/** The outcome as JSON (`--format json`): sorted keys, two-space indent, LF. */
export function renderOutcomeJson(outcome: SlsWriteOutcome): string {
  const subnets = (network: SlsNetwork) => subnetsOf(network).map(subnetSummary);
  const { before, after, ...rest } = outcome;
  const json = {
    ...rest,
    changes: changesOf(outcome),
    subnets: { before: subnets(before), after: subnets(after) },
  };
  return `${JSON.stringify(sortKeysDeep(json), null, 2)}\n`;
}

function changesOf(outcome: SlsWriteOutcome): string[] {
  return networkChanges(outcome.before, outcome.after, { stamps: false });
}

// What the split changes, within 100 columns; any other key that changed is in the changes.
const SUBNET_HEADER = ["Name", "FullName", "CIDR", "MetalLBPoolName"];

function subnetRows(network: SlsNetwork): string[][] {
  return subnetsOf(network).map((subnet) => [
    subnet.Name,
    subnet.FullName,
    subnet.CIDR,
    subnet.MetalLBPoolName ?? "-",
  ]);
}
