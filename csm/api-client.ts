import type { AxiosInstance } from "axios";
import { UserError } from "../core/errors";
import { readTextFile } from "../core/fs";
import { parseJson } from "../core/json";
import type { Log } from "../core/log";
import {
  checkCleartext,
  hasCredentials,
  redactServerText,
  redactUrl,
  redactUrlQuery,
} from "../core/secrets";
import { chooseTokenSource, type CredentialOptions, type TokenSource } from "./auth";
import { ResponseCache, type CacheOptions } from "./cache";
import type { HttpReply, HttpRequest } from "./http";

/** How to reach and authenticate to the CSM API gateway. */
export interface ApiOptions extends CredentialOptions {
  /** Base URL, e.g. https://api-gw-service-nmn.local; a trailing slash is ignored. */
  gateway: string;
  /** PEM CA bundle that signed the gateway's certificate (--ca-cert). */
  caCertFile?: string;
  /** Skip TLS verification; warns on every run. */
  insecure: boolean;
  /** Allow an http:// gateway (the secret and tokens in cleartext); warns on every run. */
  allowHttp?: boolean;
  /** Deadline for one whole request, response body included. */
  timeoutMs: number;
  /** Retries after a connection error or a 5xx; 0 makes one attempt. */
  retries: number;
  /** Keep GET responses of the sources between runs; undefined: no cache. */
  cache?: CacheOptions;
  /** Wait before retry number `attempt` (1-based). @default 0.5 s doubling, at most 8 s */
  retryDelayMs?: (attempt: number) => number;
}

const defaultRetryDelay = (attempt: number): number => Math.min(500 * 2 ** (attempt - 1), 8000);

/** Errors after which the same request may well succeed. */
const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "ECONNABORTED",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)|INVALID_CA|HOSTNAME_MISMATCH/;

/**
 * The one module that talks HTTP to the CSM API gateway: bearer tokens, TLS with the platform
 * CA, a deadline per request, bounded retries of transient failures, and errors that say what
 * happened without ever carrying a token (axios errors hold the request headers, so none of
 * them leaves this module, not even as a `cause`).
 */
export class CsmClient {
  readonly gateway: string;
  private readonly tokens: TokenSource;
  private readonly cache?: ResponseCache;
  private readonly transport: HttpTransport;

  constructor(
    options: ApiOptions,
    private readonly log: Log,
  ) {
    this.gateway = options.gateway.replace(/\/+$/, "");
    if (!/^https?:\/\/[^/]+/i.test(this.gateway)) {
      throw new UserError(
        `the API gateway ${JSON.stringify(redactUrl(options.gateway))} is not an http(s) URL`,
        "Pass --api-gateway https://api-gw-service-nmn.local (or the gateway this host can reach).",
      );
    }
    if (hasCredentials(this.gateway)) {
      // Not echoed: the URL holds a password, and every message names the gateway.
      throw new UserError(
        `the API gateway ${redactUrl(this.gateway)} holds user:password@, which the gateway does ` +
          "not use and every message would show",
        "Remove it from --api-gateway; the CSM API takes a token (--token-file, TOKEN) or " +
          "--client-secret-file.",
      );
    }
    checkCleartext(this.gateway, "the API gateway", options.allowHttp === true, log);
    this.transport = new HttpTransport(
      {
        ...options,
        unreachableHint: "Check --api-gateway and that this host can reach the gateway.",
        failingHint:
          "The service behind the gateway is failing; check its pods " +
          "(kubectl get pods -A | grep -v Running) and try again.",
        show: (url) => url,
      },
      log,
    );
    this.tokens = chooseTokenSource(options, this.gateway, (url, form) =>
      this.transport.send({
        method: "POST",
        url,
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: form,
      }),
    );
    this.cache = options.cache && new ResponseCache(options.cache, log);
    if (options.insecure) {
      log.warn(
        `TLS verification is OFF (--insecure): a host posing as ${this.gateway} would get the token`,
      );
    }
  }

  /**
   * GETs `path` (e.g. `/apis/sls/v1/networks`) and parses the JSON. Only with `cached` may the
   * answer come from the response cache: reads that verify a write must see the server.
   */
  getJson(path: string, options: { cached?: boolean } = {}): Promise<unknown> {
    return this.getChecked(path, (value) => value, options);
  }

  /**
   * getJson, with `accept` checking the answer (and throwing if it is not what the caller can
   * use) before it is returned or cached: a 200 of the wrong shape must not fail every run for
   * the cache's TTL.
   */
  async getChecked<T>(
    path: string,
    accept: (value: unknown) => T,
    options: { cached?: boolean } = {},
  ): Promise<T> {
    const url = this.gateway + path;
    const cache = options.cached === true ? this.cache : undefined;
    const hit = cache?.read(url);
    if (hit !== undefined) {
      try {
        return accept(hit.value);
      } catch {
        // Cached by an older uan-k3s whose checks differed: ask the server instead.
      }
    }
    const generation = cache?.generation();
    const text = await this.authorized("GET", url);
    const value = accept(parseJson(text, url));
    if (generation !== undefined) cache?.write(url, text, generation);
    return value;
  }

  /**
   * GETs `path` like getJson without the cache, but answers undefined for a 404: for callers
   * to whom "does not exist" is an answer (a CFS configuration about to be created).
   */
  async getJsonIfPresent(path: string): Promise<unknown> {
    const url = this.gateway + path;
    const text = await this.authorized("GET", url, undefined, true);
    return text === undefined ? undefined : parseJson(text, url);
  }

  /** PUTs `body` as JSON to `path` and parses the answer. Clears the response cache. */
  async putJson(path: string, body: unknown): Promise<unknown> {
    const url = this.gateway + path;
    // Cleared before sending: a PUT whose answer is lost may still have changed the server.
    this.cache?.clear();
    const text = await this.authorized("PUT", url, JSON.stringify(body));
    return parseJson(text, url);
  }

  /**
   * Sends with a bearer token; after a 401 renews the token once and tries again. With
   * `absentOk` a 404 answers undefined instead of failing.
   */
  private authorized(method: "GET" | "PUT", url: string, body?: string): Promise<string>;
  private authorized(
    method: "GET",
    url: string,
    body: undefined,
    absentOk: true,
  ): Promise<string | undefined>;
  private async authorized(
    method: "GET" | "PUT",
    url: string,
    body?: string,
    absentOk = false,
  ): Promise<string | undefined> {
    for (let renewed = false; ; renewed = true) {
      const token = await this.tokens.token();
      const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const reply = await this.transport.send({ method, url, headers, body });
      if (reply.status >= 200 && reply.status < 300) return reply.text;
      if (reply.status === 404 && absentOk) return undefined;
      if (reply.status === 401 && !renewed && this.tokens.renew(token)) {
        this.log.debug?.(
          `${method} ${url}: 401 Unauthorized; getting a new token and trying once more`,
        );
        continue;
      }
      throw this.refused(method, url, reply, renewed, token);
    }
  }

  private refused(
    method: string,
    url: string,
    reply: HttpReply,
    renewed: boolean,
    token: string,
  ): UserError {
    const what = `${method} ${url}: ${replySummary(reply, [token])}`;
    if (reply.status === 401 && renewed) {
      return new UserError(
        `${what}, even with a new token from ${this.tokens.description}`,
        "Check that this Keycloak client may use the CSM API.",
      );
    }
    if (reply.status === 401) {
      return new UserError(
        `${what}: the token from ${this.tokens.description} was refused (expired or revoked)`,
        "Get a fresh token (e.g. `cray auth login`), or pass --client-secret-file so that " +
          "uan-k3s gets its own tokens.",
      );
    }
    if (reply.status === 403) {
      return new UserError(
        `${what}: no permission for this URL`,
        `The token from ${this.tokens.description} is valid but lacks the role for this API; ` +
          "use an admin client's credentials (admin-client).",
      );
    }
    return new UserError(what);
  }
}

/** What a transport needs besides the request: TLS, patience, and words for its failures. */
interface TransportOptions {
  caCertFile?: string;
  insecure: boolean;
  timeoutMs: number;
  retries: number;
  retryDelayMs?: (attempt: number) => number;
  /** The hint when the server cannot be reached, e.g. which flag names it. */
  unreachableHint: string;
  /** The hint when it answers 5xx to every attempt. */
  failingHint: string;
  /** A URL as messages and progress lines show it (see redactUrlQuery). */
  show: (url: string) => string;
}

/**
 * HTTP itself, for CsmClient and fetchFile: retries, TLS with the CA bundle, a deadline per
 * request, and errors that carry only safe fields (axios errors hold the request headers, so
 * none of them leaves this module, not even as a `cause`).
 */
class HttpTransport {
  private http?: AxiosInstance;

  constructor(
    private readonly options: TransportOptions,
    private readonly log: Log,
  ) {}

  /**
   * One request with retries: returns the reply unless it is a 5xx; retries 5xx answers and
   * connection failures, then gives up with one error.
   */
  async send(request: HttpRequest): Promise<HttpReply> {
    const shown = this.options.show(request.url);
    const attempts = Math.max(0, this.options.retries) + 1;
    for (let attempt = 1; ; attempt += 1) {
      if (attempt === 1) this.log.progress?.(`${request.method} ${shown}`);
      const outcome = await this.attempt(request);
      if ("status" in outcome && outcome.status < 500) return outcome;
      const why =
        "status" in outcome ? replySummary(outcome, requestSecrets(request)) : outcome.unreachable;
      if (attempt >= attempts) {
        const after = `after ${attempts} attempt${attempts === 1 ? "" : "s"}`;
        if ("status" in outcome) {
          throw new UserError(
            `${request.method} ${shown} failed ${after}: ${why}`,
            this.options.failingHint,
          );
        }
        throw new UserError(
          `cannot reach ${shown} (${why}) ${after}`,
          this.options.unreachableHint,
        );
      }
      const delay = (this.options.retryDelayMs ?? defaultRetryDelay)(attempt);
      // A retry that then succeeds needs no one's attention: detail, and progress at a terminal.
      this.log.debug?.(
        `${request.method} ${shown}: ${why}; retry ${attempt} of ${attempts - 1} in ${delay} ms`,
      );
      this.log.progress?.(
        `${request.method} ${shown}: retry ${attempt} of ${attempts - 1} (${why})`,
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** One try: a complete reply, or why the connection failed in a way worth retrying. */
  private async attempt(request: HttpRequest): Promise<HttpReply | { unreachable: string }> {
    const http = this.axios();
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const response = await http.request<string>({
        method: request.method,
        url: request.url,
        headers: { Accept: "application/json", ...request.headers },
        data: request.body,
        signal: deadline,
      });
      return { status: response.status, statusText: response.statusText, text: response.data };
    } catch (error) {
      if (deadline.aborted)
        return { unreachable: `no complete answer in ${this.options.timeoutMs} ms` };
      return this.connectionFailure(request, error);
    }
  }

  /** Turns an axios failure into a retryable reason or a UserError with only safe fields. */
  private connectionFailure(request: HttpRequest, error: unknown): { unreachable: string } {
    const { code, message } = error as { code?: string; message?: string };
    if (code !== undefined && TLS_CODE.test(code)) {
      throw new UserError(
        `TLS verification failed for ${this.options.show(request.url)}: ${message ?? code} (${code})`,
        "Pass the CA that signed the server's certificate with --ca-cert (on management nodes " +
          "/etc/pki/trust/anchors/platform-ca-certs.crt), or set UAN_K3S_CA_CERT or REQUESTS_CA_BUNDLE.",
      );
    }
    // A body cut off mid-way: Node reports "aborted", axios "stream has been aborted".
    if (/aborted|socket hang up/i.test(message ?? ""))
      return { unreachable: `connection cut: ${message}` };
    if (code !== undefined && TRANSIENT_CODES.has(code)) return { unreachable: code };
    throw new UserError(
      `cannot reach ${this.options.show(request.url)} (${code ?? message ?? "unknown error"})`,
      this.options.unreachableHint,
    );
  }

  /** axios and TLS set up on first use, so that --version and file runs never load them. */
  private axios(): AxiosInstance {
    if (this.http === undefined) {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const axios = (require("axios") as typeof import("axios")).default;
      const https = require("node:https") as typeof import("node:https");
      /* eslint-enable @typescript-eslint/no-require-imports */
      const { caCertFile, insecure } = this.options;
      const ca = caCertFile === undefined ? undefined : readCaBundle(caCertFile);
      this.http = axios.create({
        httpsAgent: new https.Agent({ ca, rejectUnauthorized: !insecure }),
        // The gateway is on the management network; axios's proxy support from the environment
        // does not tunnel HTTPS properly and would send the token to the proxy.
        proxy: false,
        maxRedirects: 0,
        responseType: "text",
        transformResponse: [(data: string) => data],
        validateStatus: () => true,
      });
    }
    return this.http;
  }
}

/**
 * `STATUS TEXT (what the body says)`: an RFC 7807 problem's title and detail, or a plain-text
 * body, redacted of `secrets` and anything token-like and cut short (see redactServerText).
 * An HTML page or a JSON body of another shape adds nothing.
 */
function replySummary(reply: HttpReply, secrets: readonly string[]): string {
  const status = `${reply.status} ${redactServerText(reply.statusText, secrets)}`.trimEnd();
  const said = bodySummary(reply.text);
  return said === "" ? status : `${status} (${redactServerText(said, secrets)})`;
}

function bodySummary(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith("<")) return "";
  if (!/^[{["]/.test(trimmed)) return trimmed;
  let body: { title?: unknown; detail?: unknown } | null;
  try {
    body = JSON.parse(trimmed) as typeof body;
  } catch {
    return "";
  }
  const parts = [body?.title, body?.detail].filter(
    (part): part is string => typeof part === "string" && part !== "",
  );
  return parts.join(": ");
}

/** The secrets a request carries: its bearer token, a token form's client secret. */
function requestSecrets(request: HttpRequest): string[] {
  const bearer = /^Bearer (.+)$/.exec(request.headers.Authorization ?? "")?.[1];
  const form =
    request.headers["Content-Type"] === "application/x-www-form-urlencoded" &&
    request.body !== undefined
      ? new URLSearchParams(request.body).get("client_secret")
      : null;
  return [bearer, form].filter((secret): secret is string => typeof secret === "string");
}

function readCaBundle(path: string): string {
  const pem = readTextFile(path, "CA bundle");
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UserError(
      `CA bundle ${path} holds no PEM certificate`,
      "Pass the platform CA, e.g. --ca-cert /etc/pki/trust/anchors/platform-ca-certs.crt.",
    );
  }
  return pem;
}

export function createCsmClient(options: ApiOptions, log: Log): CsmClient {
  return new CsmClient(options, log);
}

/** How fetchFile reaches a server outside the CSM API. */
export interface FetchFileOptions {
  /** PEM CA bundle beside the system CAs (--ca-cert: the platform CA signs the S3 gateway too). */
  caCertFile?: string;
  timeoutMs: number;
  retries: number;
  retryDelayMs?: (attempt: number) => number;
  /** What the URL is, for messages, e.g. "podman.subuid_url". */
  what: string;
}

/**
 * GETs `url`, a file the nodes download themselves (podman.subuid_url), as they do: no
 * credentials sent, TLS always verified. The URL shows in messages without its query string,
 * which in a presigned URL is a credential. The body, or undefined for a 404.
 */
export async function fetchFile(
  url: string,
  options: FetchFileOptions,
  log: Log,
): Promise<string | undefined> {
  const hint = `Check ${options.what} and that this host can reach it.`;
  const transport = new HttpTransport(
    {
      ...options,
      insecure: false,
      unreachableHint: hint,
      failingHint: `The server behind ${options.what} is failing; try again later. ${hint}`,
      show: redactUrlQuery,
    },
    log,
  );
  const reply = await transport.send({ method: "GET", url, headers: { Accept: "*/*" } });
  if (reply.status === 404) return undefined;
  if (reply.status >= 200 && reply.status < 300) return reply.text;
  throw new UserError(
    `GET ${options.what} ${redactUrlQuery(url)}: ${replySummary(reply, [])}`,
    reply.status >= 300 && reply.status < 400
      ? `uan-k3s does not follow redirects; set ${options.what} to where it leads.`
      : hint,
  );
}
