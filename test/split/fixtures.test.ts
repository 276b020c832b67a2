import { expect } from "chai";
import { projectPath } from "../../core/paths";
import { FileSlsSource } from "../../csm/file-source";
import { findConflicts, planSplit, type SplitOptions } from "../../split";
import type { SlsNetwork } from "../../schemas/generated/sls";

// The shared fixture systems, loaded the way `--sls-file` loads a dump.
async function networksOf(system: string): Promise<ReadonlyMap<string, SlsNetwork>> {
  const source = new FileSlsSource(projectPath("fixtures", "systems", system, "sls.json"));
  return (await source.load()).networks;
}

describe("planSplit on the fixture systems", () => {
  const cases: [string, SplitOptions, string, string][] = [
    ["seed", {}, "split", "10.102.20.224/27"],
    ["split", {}, "already-split", "10.102.20.224/27"],
    ["chn", {}, "split", "10.102.21.96/27"],
    ["chn", { network: "CAN" }, "split", "10.102.20.224/27"],
    ["pre12", { network: "CAN" }, "split", "10.103.2.192/26"],
  ];
  for (const [system, options, kind, cidr] of cases) {
    it(`${system} ${JSON.stringify(options)}: ${kind} ${cidr}, no conflicts in SLS`, async () => {
      const plan = planSplit(await networksOf(system), options);
      expect(plan.kind).to.equal(kind);
      expect(plan.range.cidr).to.equal(cidr);
      expect(findConflicts(plan, { kind: "List", items: [] }).conflicts).to.deep.equal([]);
    });
  }

  it("turns the seed system's CAN into the split system's", async () => {
    const plan = planSplit(await networksOf("seed"));
    if (plan.kind !== "split") throw new Error("expected a split");
    expect(plan.networkAfter).to.deep.equal((await networksOf("split")).get("CAN"));
  });

  it("asks for --network on the pre-1.2 system", async () => {
    const networks = await networksOf("pre12");
    expect(() => planSplit(networks)).to.throw("SLS has no BICAN network");
  });
});
