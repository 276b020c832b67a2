import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { UserError } from "../../core/errors";
import { MemoryLog } from "../../core/log";
import { projectPath } from "../../core/paths";
import type { ApiOptions } from "../../csm/api-client";
import { TOKEN_PATH } from "../../csm/auth";
import type { HsmGroup } from "../../schemas/generated/hsm";
import type { SlsDump } from "../../schemas/generated/sls";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../simulator/server";

export const CLIENT_SECRET = "client-secret-for-the-tests-Zq7";

/** The seed system, as the simulator serves it. */
export function seedSystem(): { sls: SlsDump; groups: HsmGroup[] } {
  const read = (name: string): unknown =>
    JSON.parse(readFileSync(projectPath("fixtures", "systems", "seed", name), "utf8"));
  return { sls: read("sls.json") as SlsDump, groups: read("hsm-groups.json") as HsmGroup[] };
}

/** What a test suite gets from useSimulator: fresh per test except the simulator itself. */
export interface Harness {
  sim: Simulator;
  /** A private temporary directory, emptied between tests. */
  dir: string;
  log: MemoryLog;
  secretFile: string;
  /** Options for a client of the simulator with Keycloak credentials and no retry delay. */
  options(overrides?: Partial<ApiOptions>): ApiOptions;
  /** Expects `promise` to fail with a UserError and returns it (checked for secrets later). */
  failure(promise: Promise<unknown>): Promise<UserError>;
  /** A valid token, obtained outside the client under test, registered as a secret. */
  issueToken(): Promise<string>;
  /** Strings that must never show up in an error or a log line. */
  secrets: string[];
}

/**
 * Starts one simulator for the enclosing `describe`. After every test, each error that
 * failure() saw (message, hint, cause, every property) and every log line is searched for
 * the client secret and any token: a leak fails the test that caused it.
 */
export function useSimulator(simulator: Partial<SimulatorOptions> = {}): Harness {
  const errors: unknown[] = [];
  const harness = {
    secrets: [] as string[],
    options: (overrides: Partial<ApiOptions> = {}): ApiOptions => ({
      gateway: harness.sim.url,
      caCertFile: harness.sim.caFile,
      insecure: false,
      clientId: "admin-client",
      clientSecretFile: harness.secretFile,
      timeoutMs: 5000,
      retries: 3,
      retryDelayMs: () => 0,
      ...overrides,
    }),
    failure: async (promise: Promise<unknown>): Promise<UserError> => {
      let caught: unknown;
      try {
        await promise;
      } catch (error) {
        caught = error;
      }
      errors.push(caught);
      expect(caught, "a UserError").to.be.instanceOf(UserError);
      return caught as UserError;
    },
    issueToken: async (): Promise<string> => {
      const token = await fetchToken(harness.sim);
      harness.secrets.push(token);
      return token;
    },
  } as Harness;

  before(async () => {
    harness.sim = await startSimulator({
      ...seedSystem(),
      clientSecret: CLIENT_SECRET,
      ...simulator,
    });
  });
  after(() => harness.sim.stop());
  beforeEach(() => {
    harness.dir = mkdtempSync(join(tmpdir(), "uan-k3s-csm-test-"));
    harness.secretFile = join(harness.dir, "client-secret");
    writeFileSync(harness.secretFile, `${CLIENT_SECRET}\n`, { mode: 0o600 });
    harness.log = new MemoryLog();
    harness.secrets = [CLIENT_SECRET];
    errors.length = 0;
    harness.sim.clearFaults();
    harness.sim.requests.length = 0;
  });
  afterEach(() => {
    const seen = [...harness.log.warnings, ...harness.log.infos, ...harness.log.debugs, ...errors];
    expectNoSecrets(seen, harness.secrets);
    rmSync(harness.dir, { recursive: true, force: true });
  });
  return harness;
}

/** Fails if any of `things`, fully inspected, holds a secret or anything shaped like a token. */
export function expectNoSecrets(things: readonly unknown[], secrets: readonly string[]): void {
  for (const thing of things) {
    const text =
      typeof thing === "string" ? thing : inspect(thing, { depth: 10, showHidden: true });
    for (const secret of secrets) expect(text).not.to.include(secret);
    // The simulator's tokens are 32 random bytes in base64url: 43 characters.
    expect(text).not.to.match(/[A-Za-z0-9_-]{43}/);
  }
}

/** Number of requests the simulator saw for a path (query excluded), by method. */
export function requestCount(sim: Simulator, path: string, method = "GET"): number {
  return sim.requests.filter((r) => r.path === path && r.method === method).length;
}

function fetchToken(sim: Simulator): Promise<string> {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: "admin-client",
    client_secret: CLIENT_SECRET,
  }).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      `${sim.url}${TOKEN_PATH}`,
      {
        method: "POST",
        ca: readFileSync(sim.caFile),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve((JSON.parse(body) as { access_token: string }).access_token));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(form);
  });
}
