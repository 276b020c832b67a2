import { expect } from "chai";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CsmClient } from "../../csm/api-client";
import { ApiSlsSource } from "../../csm/api-source";
import { FileSlsSource } from "../../csm/file-source";
import { isUserError, type UserError } from "../../core/errors";
import { tempDir } from "../run";

const GATEWAY = "https://gw.example";

/** An SLS API whose GET /networks answers `networks`, as the real server does when empty. */
function slsAnswering(networks: unknown): CsmClient {
  const client = {
    gateway: GATEWAY,
    getChecked: (path: string, check: (value: unknown) => unknown) =>
      Promise.resolve(check(path === "/apis/sls/v1/networks" ? networks : null)),
  };
  return client as unknown as CsmClient;
}

/** The UserError `load` throws or rejects with (the file source throws at once). */
async function failure(load: () => Promise<unknown>): Promise<UserError> {
  try {
    await load();
  } catch (error) {
    if (isUserError(error)) return error;
    throw error;
  }
  throw new Error("expected a UserError");
}

describe("an SLS that holds no networks", () => {
  for (const answer of [null, []]) {
    it(`API: GET /networks answering ${JSON.stringify(answer)} says so, naming the URL`, async () => {
      const error = await failure(() => new ApiSlsSource(slsAnswering(answer)).load());
      expect(error.message).to.equal(
        `SLS holds no networks: GET ${GATEWAY}/apis/sls/v1/networks answered ${JSON.stringify(answer)}.`,
      );
      expect(error.message).not.to.include("must be array");
      expect(error.hint).to.include("--api-gateway").and.include("--sls-file");
    });
  }

  const dumps: [string, string, string][] = [
    ["a dump that is null", "null\n", "is null"],
    [
      "a dump whose Networks is null",
      '{"Hardware": {}, "Networks": null}\n',
      'has "Networks": null',
    ],
    ["a dump whose Networks is empty", '{"Hardware": {}, "Networks": {}}\n', 'has "Networks": {}'],
  ];
  for (const [what, text, says] of dumps) {
    it(`file: ${what} says so, naming the file`, async () => {
      const path = join(tempDir(), "sls.json");
      writeFileSync(path, text);
      const error = await failure(() => new FileSlsSource(path).load());
      expect(error.message).to.equal(`SLS holds no networks: ${path} ${says}.`);
      expect(error.hint).to.include("cray sls dumpstate list --format json");
    });
  }
});
