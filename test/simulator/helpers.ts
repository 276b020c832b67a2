import { request } from "node:https";
import { readFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import type { HsmGroup } from "../../schemas/generated/hsm";
import type { SlsDump } from "../../schemas/generated/sls";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../simulator/server";

export const SECRET = "test-secret";
export const TOKEN_PATH = "/keycloak/realms/shasta/protocol/openid-connect/token";

/** A tiny system: two networks, a UAN, a compute node and the two k3s groups. */
export function smallSystem(): Pick<SimulatorOptions, "sls" | "groups"> {
  const sls: SlsDump = {
    Hardware: {
      x3000c0s27b0n0: {
        Parent: "x3000c0s27b0",
        Xname: "x3000c0s27b0n0",
        Type: "comptype_node",
        Class: "River",
        ExtraProperties: { Aliases: ["uan01"], Role: "Application", SubRole: "UAN" },
      },
      x1000c0s0b0n0: {
        Parent: "x1000c0s0b0",
        Xname: "x1000c0s0b0n0",
        Type: "comptype_node",
        Class: "Mountain",
        ExtraProperties: { Aliases: ["nid000001"], NID: 1, Role: "Compute" },
      },
    },
    Networks: {
      BICAN: {
        Name: "BICAN",
        FullName: "SystemDefaultRoute points the network name of the default route",
        Type: "ethernet",
        ExtraProperties: { SystemDefaultRoute: "CAN" },
      },
      CAN: {
        Name: "CAN",
        FullName: "Customer Access Network",
        Type: "ethernet",
        IPRanges: ["10.102.9.0/24"],
        ExtraProperties: { CIDR: "10.102.9.0/24", VlanRange: [6], Subnets: [] },
      },
    },
  };
  const groups: HsmGroup[] = [
    {
      label: "k3s_server",
      exclusiveGroup: "k3s",
      tags: ["k3s"],
      members: { ids: ["x3000c0s27b0n0"] },
    },
    { label: "k3s_agent", exclusiveGroup: "k3s", tags: ["k3s"], members: { ids: [] } },
  ];
  return { sls, groups };
}

export function startSmall(options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  return startSimulator({ ...smallSystem(), clientSecret: SECRET, ...options });
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface CallOptions {
  method?: string;
  token?: string;
  body?: string;
  headers?: Record<string, string>;
  /** Trust the simulator's CA (the default) or nothing but the system's roots. */
  trustSimulatorCa?: boolean;
}

/** One HTTPS request over a fresh connection; rejects on any socket or TLS error. */
export function call(sim: Simulator, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  return new Promise((resolve, reject) => {
    const req = request(
      `${sim.url}${path}`,
      {
        method: options.method ?? "GET",
        headers,
        agent: false,
        ca: options.trustSimulatorCa === false ? undefined : readFileSync(sim.caFile),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

export function json(answer: Answer): unknown {
  return JSON.parse(answer.text) as unknown;
}

export function tokenRequest(sim: Simulator, form: Record<string, string>): Promise<Answer> {
  return call(sim, TOKEN_PATH, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
}

export async function getToken(sim: Simulator, secret = SECRET): Promise<string> {
  const answer = await tokenRequest(sim, {
    grant_type: "client_credentials",
    client_id: "admin-client",
    client_secret: secret,
  });
  return (json(answer) as { access_token: string }).access_token;
}

/** The error a call fails with; fails the test if the call succeeds. */
export async function callError(
  sim: Simulator,
  path: string,
  options: CallOptions = {},
): Promise<NodeJS.ErrnoException> {
  let answer: Answer;
  try {
    answer = await call(sim, path, options);
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
  throw new Error(`expected ${path} to fail, got ${answer.status}`);
}
