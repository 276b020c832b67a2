import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { run, tempDir } from "../run";
import { INVENTORY_SCRIPT, SEED, UAN_K3S } from "./exec";

/**
 * `uan-k3s ... | true`: the reader is gone before the command writes, as when `head`, a jq
 * filter or a pager stops early. The command ends as a Unix tool killed by SIGPIPE does.
 */
async function intoClosedPipe(
  argv: readonly string[],
  env: Record<string, string> = {},
): Promise<{ status: string; stderr: string }> {
  const dir = tempDir();
  const [status, stderr] = [join(dir, "status"), join(dir, "stderr")];
  const result = await run(
    "sh",
    ["-c", `{ "$@" 2>${stderr}; echo $? >${status}; } | true`, "sh", ...argv],
    { env },
  );
  expect(result.code, result.stderr).to.equal(0);
  return { status: readFileSync(status, "utf8").trim(), stderr: readFileSync(stderr, "utf8") };
}

describe("a reader that closes stdout early", function () {
  this.timeout(30_000);

  for (const [what, argv, env] of [
    ["uan-k3s inventory --list", [UAN_K3S, "inventory", "--list", "--sls-file", SEED.sls], {}],
    ["uan-k3s --version", [UAN_K3S, "--version"], {}],
    ["the inventory script", [INVENTORY_SCRIPT, "--list"], { UAN_K3S_SLS_FILE: SEED.sls }],
  ] as const) {
    it(`${what}: exit 141, as SIGPIPE would end it, and no stack trace`, async () => {
      const { status, stderr } = await intoClosedPipe(argv, env);
      expect(stderr).to.equal("");
      expect(status).to.equal("141");
    });
  }
});
