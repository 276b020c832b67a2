import { expect } from "chai";
import { subnetsOf } from "../../inventory/networks";
import { renderOutcomeJson, renderOutcomeText, type SlsWriteOutcome } from "../../split";
import { seedSystem } from "../csm/harness";

const BACKUP = "/root/sls-CAN-backup-20250417T121043Z.json";

/** The seed's CAN and the same with one pool's FullName changed to `fullName`. */
function outcome(action: SlsWriteOutcome["action"], fullName: string): SlsWriteOutcome {
  const before = seedSystem().sls.Networks.CAN!;
  const after = structuredClone(before);
  subnetsOf(after)[1].FullName = fullName;
  return {
    action,
    network: "CAN",
    restoredFrom: action === "applied" ? null : BACKUP,
    before,
    after,
    backupFile: action === "would-restore" ? null : BACKUP,
    undoCommand: action === "restored" ? `uan-k3s split --restore ${BACKUP} --yes` : null,
    writeCommand: action === "would-restore" ? `uan-k3s split --restore ${BACKUP} --yes` : null,
    kubernetesChecked: null,
    next: "nothing.",
  };
}

describe("renderOutcomeText and renderOutcomeJson", () => {
  it("shows SLS text escaped, so a FullName cannot drive the terminal", () => {
    const text = renderOutcomeText(outcome("restored", "Evil\u001b[2J\u202eName"));
    expect(text).not.to.match(/[\u001b\u202e]/);
    expect(text).to.include("Evil\\u001b[2J\\u202eName");
  });

  it("heads each action with what happened, and a dry run with what would", () => {
    const heads = (["restored", "unchanged", "would-restore"] as const).map(
      (action) => renderOutcomeText(outcome(action, "X")).split("\n")[0],
    );
    expect(heads[0]).to.match(/^RESTORED: SLS network CAN is as in \/root\//);
    expect(heads[1]).to.match(/^UNCHANGED: SLS network CAN already equals \/root\//);
    expect(heads[2]).to.match(/^DRY RUN: putting \/root\/\S+ back would change SLS network/);
    const dry = renderOutcomeText(outcome("would-restore", "X"));
    expect(dry).to.include("CAN subnets would be:").and.not.include("To undo:");
    expect(dry).to.include(`To write: uan-k3s split --restore ${BACKUP} --yes`);
  });

  it("lists the same changes in JSON, with sorted keys and null for what is absent", () => {
    const json = renderOutcomeJson(outcome("would-restore", "Renamed"));
    const parsed = JSON.parse(json) as Record<string, unknown>;
    expect(Object.keys(parsed)).to.deep.equal([...Object.keys(parsed)].sort());
    expect(parsed).to.deep.include({ action: "would-restore", backupFile: null });
    expect(parsed.changes).to.deep.equal([
      'subnet "can_metallb_address_pool": FullName was "CAN Dynamic MetalLB", now "Renamed"',
    ]);
    expect(renderOutcomeJson(outcome("would-restore", "Renamed"))).to.equal(json);
  });
});
