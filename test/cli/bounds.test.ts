import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SOURCE_SETTINGS } from "../../cli/settings";
import { projectPath } from "../../core/paths";
import { run, SEED, tempDir, UAN_K3S, type Result } from "./exec";

/** Exit 1 with one message and no stack: bad input, never a bug's exit 70. */
function expectUserError(result: Result, message: string | RegExp): void {
  expect(result.code, result.stderr).to.equal(1);
  expect(result.stdout).to.equal("");
  expect(result.stderr).not.to.match(/\n\s+at /);
  if (typeof message === "string") expect(result.stderr).to.include(message);
  else expect(result.stderr).to.match(message);
}

describe("bounds: hostile sizes are bad input, exit 1 (built executable)", function () {
  this.timeout(60_000);
  const list = (...args: string[]): Promise<Result> =>
    run(UAN_K3S, ["inventory", "--list", "--sls-file", SEED.sls, ...args]);

  describe("deeply nested JSON", () => {
    for (const [what, nest] of [
      ["100,000 arrays", (inner: string) => `${"[".repeat(100_000)}${inner}${"]".repeat(100_000)}`],
      ["100,000 objects, unclosed", () => '{"a":'.repeat(100_000)],
    ] as const) {
      it(`an SLS dump holding ${what}`, async () => {
        const file = join(tempDir(), "sls.json");
        const seed = readFileSync(SEED.sls, "utf8").trimEnd();
        // Inside a real dump: a property nothing checks, so only the depth can stop it.
        writeFileSync(file, `${seed.slice(0, -1)}, "Extra": ${nest("1")}}`);
        expectUserError(
          await run(UAN_K3S, ["inventory", "--list", "--sls-file", file]),
          /sls\.json:\d+:\d+: invalid JSON: nested more than 512 levels deep/,
        );
      });
    }

    it("an HSM groups file of 100,000 nested arrays", async () => {
      const file = join(tempDir(), "groups.json");
      writeFileSync(file, "[".repeat(100_000) + "]".repeat(100_000));
      expectUserError(
        await list("--hsm-file", file),
        "groups.json:1:513: invalid JSON: nested more than 512 levels deep",
      );
    });
  });

  describe("YAML aliases in uan-k3s.yaml", () => {
    for (const [what, text, message] of [
      [
        "an alias bomb",
        'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n' +
          "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n",
        "uan-k3s.yaml: invalid YAML: its aliases of aliases expand too far",
      ],
      ["an undefined anchor", "hostnames: *mode\n", "uan-k3s.yaml:1:12: invalid YAML: alias *mode"],
    ] as const) {
      it(`refuses ${what}`, async () => {
        const config = join(tempDir(), "uan-k3s.yaml");
        writeFileSync(config, text);
        expectUserError(await list("--config", config), message);
      });
    }
  });

  describe("--timeout and --retries stay within the config schema's range", () => {
    for (const [args, env, message] of [
      [["--timeout", "2147484"], {}, "--timeout: expected a whole number from 1 to 600"],
      [
        [],
        { UAN_K3S_TIMEOUT: "99999999999999999999" },
        "UAN_K3S_TIMEOUT: expected a whole number from 1 to 600",
      ],
      [["--timeout", "0"], {}, "--timeout: expected a whole number from 1 to 600"],
      [["--retries", "11"], {}, "--retries: expected a whole number from 0 to 10"],
      [[], { UAN_K3S_RETRIES: "1000000" }, "UAN_K3S_RETRIES: expected a whole number from 0 to 10"],
      [["--retries", "1e3"], {}, "--retries: expected a whole number from 0 to 10"],
      [["--retries", "-1"], {}, "--retries: expected a whole number from 0 to 10"],
    ] as const) {
      it(`refuses ${[...args, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].join(" ")}`, async () => {
        expectUserError(
          await run(UAN_K3S, ["inventory", "--list", "--sls-file", SEED.sls, ...args], env),
          message,
        );
      });
    }

    it("takes the largest values the schema allows", async () => {
      const result = await list("--timeout", "600", "--retries", "10");
      expect(result.code, result.stderr).to.equal(0);
    });

    it("bounds every integer setting exactly as schemas/config.schema.json does", () => {
      const schema = JSON.parse(
        readFileSync(projectPath("schemas", "config.schema.json"), "utf8"),
      ) as { properties: Record<string, { minimum?: number; maximum?: number }> };
      const integers = SOURCE_SETTINGS.filter((setting) => setting.kind === "integer");
      expect(integers.map((setting) => setting.key)).to.include.members(["timeout", "retries"]);
      for (const setting of integers) {
        const property = schema.properties[setting.file as string];
        expect([setting.min, setting.max], setting.key).to.deep.equal([
          property.minimum,
          property.maximum,
        ]);
      }
    });
  });
});
