import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { HsmGroup } from "../schemas/generated/hsm";
import type { SlsDump } from "../schemas/generated/sls";
import { cfsRoutes } from "./cfs-routes";
import { FaultQueue, type Fault } from "./faults";
import { hsmRoutes } from "./hsm-routes";
import { ABOUT_BLANK, jsonReply, problemReply, type Reply } from "./reply";
import { dispatch, type Route, type SimRequest } from "./router";
import { slsRoutes } from "./sls-routes";
import { initialState, type SimulatorState } from "./state";
import { createTestPki, removeTestPki } from "./tls";
import { bearerToken, keycloakRoutes, TokenStore } from "./tokens";

export type { Fault } from "./faults";

export interface SimulatorOptions {
  /** The system's SLS content; the simulator works on a copy. */
  sls: SlsDump;
  /** The system's HSM groups; the simulator works on a copy. */
  groups: HsmGroup[];
  /** @default "admin-client" */
  clientId?: string;
  clientSecret: string;
  /** Token lifetime (`expires_in`), checked by the server; 0 issues already-expired tokens. @default 300 */
  tokenLifetimeSeconds?: number;
  /** @default 0 (an ephemeral port) */
  port?: number;
  /** CFS configurations by name, in v3 spelling; the simulator works on copies. @default none */
  cfsConfigurations?: Readonly<Record<string, object>>;
}

export interface RequestRecord {
  method: string;
  path: string;
  /** The raw query string, without "?". */
  query: string;
  /** Whether the request carried a valid, unexpired bearer token (faults aside). */
  authorized: boolean;
}

/** A running stand-in for the CSM API gateway (Keycloak, SLS, HSM, CFS configurations) on 127.0.0.1. */
export interface Simulator {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  /** PEM of the test CA that signed the server certificate. */
  readonly caFile: string;
  /** The live, mutable system: read it after a write to see what the server stored. */
  readonly state: SimulatorState;
  /** Every request in arrival order. Tokens and bodies are never recorded. */
  readonly requests: RequestRecord[];
  inject(fault: Fault): void;
  clearFaults(): void;
  /** Every token issued so far now gets 401. */
  revokeTokens(): void;
  tokensIssued(): number;
  stop(): Promise<void>;
}

const GATEWAY_UNAUTHORIZED = jsonReply(401, { message: "Unauthorized" });
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const state = initialState(options.sls, options.groups, options.cfsConfigurations);
  const tokens = new TokenStore(options.tokenLifetimeSeconds ?? 300);
  const faults = new FaultQueue();
  const requests: RequestRecord[] = [];
  const routes: Route[] = [
    ...keycloakRoutes(tokens, {
      clientId: options.clientId ?? "admin-client",
      clientSecret: options.clientSecret,
    }),
    ...slsRoutes(state),
    ...hsmRoutes(state),
    ...cfsRoutes(state.cfs),
  ];
  // Aborted by stop(), so that a delayed answer cannot keep the process alive.
  const stopping = new AbortController();

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const authorized = tokens.isValid(bearerToken(req.headers.authorization) ?? "");
    requests.push({ method, path: url.pathname, query: url.search.slice(1), authorized });
    const body = await readBody(req);
    const fault = faults.take(method, url.pathname);
    if (fault?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "delay") await sleep(fault.ms, undefined, { signal: stopping.signal });
    const reply =
      body === undefined
        ? problemReply(413, "request body too large", { type: ABOUT_BLANK })
        : answer(fault, authorized, { method, path: url.pathname, query: url.searchParams, body });
    if (fault?.kind === "truncate") sendTruncated(res, reply);
    else send(res, reply);
  }

  /** What the gateway answers when the connection itself is not being broken. */
  function answer(
    fault: Fault | undefined,
    authorized: boolean,
    request: Omit<SimRequest, "params">,
  ): Reply {
    if (fault?.kind === "status") {
      return problemReply(fault.status!, "injected fault", {
        type: ABOUT_BLANK,
        instance: request.path,
      });
    }
    if (fault?.kind === "body") {
      return { status: 200, headers: { "content-type": "application/json" }, text: fault.body! };
    }
    // The gateway checks the token before any service sees the request, even an unknown path.
    const gated = request.path.startsWith("/apis/");
    if (fault?.kind === "unauthorized" || (gated && !authorized)) return GATEWAY_UNAUTHORIZED;
    return dispatch(routes, request);
  }

  const pki = await createTestPki();
  const server = createServer({ key: readFileSync(pki.keyFile), cert: readFileSync(pki.certFile) });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    serve(req, res).catch((error: unknown) => fail(res, error));
  });
  try {
    await listen(server, options.port ?? 0);
  } catch (error) {
    removeTestPki(pki);
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  let stopped: Promise<void> | undefined;
  return {
    url: `https://127.0.0.1:${port}`,
    caFile: pki.caFile,
    state,
    requests,
    inject: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    revokeTokens: () => tokens.revokeAll(),
    tokensIssued: () => tokens.issuedCount,
    stop: () => {
      stopped ??= (async () => {
        stopping.abort();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        removeTestPki(pki);
      })();
      return stopped;
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** The request body as text, or undefined when it is larger than any real request. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return; // the client gave up (e.g. during a delay)
  const bytes = Buffer.from(reply.text, "utf8");
  res.writeHead(reply.status, { ...reply.headers, "content-length": bytes.length });
  res.end(bytes);
}

/** Promises the whole body, delivers half of it, then drops the connection. */
function sendTruncated(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  const bytes = Buffer.from(reply.text, "utf8");
  res.writeHead(reply.status, { ...reply.headers, "content-length": bytes.length });
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.destroy());
}

/** A bug in the simulator, or stop() during a delay: answer 500 if still possible. */
function fail(res: ServerResponse, error: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const aborted = error instanceof Error && error.name === "AbortError";
  if (!aborted)
    process.stderr.write(`uan-k3s simulator: ${(error as Error).stack ?? String(error)}\n`);
  send(
    res,
    problemReply(500, aborted ? "simulator stopping" : "simulator bug", { type: ABOUT_BLANK }),
  );
}
