import { UserError } from "../core/errors";
import { readTextFile } from "../core/fs";
import { redactServerText } from "../core/secrets";
import type { HttpReply } from "./http";

/** Where bearer tokens come from. Tokens are secrets: they never go into a message or log. */
export interface TokenSource {
  /** Where the token comes from, for messages, e.g. "the TOKEN environment variable". */
  readonly description: string;
  token(): Promise<string>;
  /**
   * Called after a 401 with the token that was refused: forgets it so that the next token()
   * gets a new one. False when the source cannot get another (a token someone handed us).
   */
  renew(rejected: string): boolean;
}

/** Sends a form POST without authorization; the API client provides it. */
export type FormPoster = (url: string, form: string) => Promise<HttpReply>;

export const TOKEN_PATH = "/keycloak/realms/shasta/protocol/openid-connect/token";

/** Where a token may come from, tried in this order. */
export interface CredentialOptions {
  /** JSON file with an `access_token` (--token-file / CRAY_CREDENTIALS). Tried first. */
  tokenFile?: string;
  /** A raw token (the TOKEN environment variable). Tried second. */
  token?: string;
  /** Keycloak client for the client-credentials grant. @default "admin-client" */
  clientId: string;
  /** File holding that client's secret. Tried last. */
  clientSecretFile?: string;
}

/** The first of: a token file, a raw token, Keycloak client credentials. */
export function chooseTokenSource(
  options: CredentialOptions,
  gateway: string,
  post: FormPoster,
): TokenSource {
  const { tokenFile, clientSecretFile } = options;
  if (tokenFile !== undefined) {
    return new StaticToken(`the token file ${tokenFile} (--token-file or CRAY_CREDENTIALS)`, () =>
      readTokenFile(tokenFile),
    );
  }
  const raw = options.token?.trim();
  if (raw !== undefined && raw !== "") {
    return new StaticToken("the TOKEN environment variable", () => raw);
  }
  if (clientSecretFile !== undefined) {
    return new KeycloakTokens(`${gateway}${TOKEN_PATH}`, options.clientId, clientSecretFile, post);
  }
  throw new UserError(
    "no credentials for the CSM API",
    "Give one of: --token-file FILE (or CRAY_CREDENTIALS=FILE), a JSON file with an access_token; " +
      "TOKEN=<access token> in the environment; --client-secret-file FILE (or " +
      "UAN_K3S_CLIENT_SECRET_FILE=FILE) with the Keycloak client secret, e.g. from " +
      "`kubectl get secret -n default admin-client-auth -o jsonpath='{.data.client-secret}' | base64 -d`.",
  );
}

/** A token obtained by someone else; when it is refused, only they can get a new one. */
class StaticToken implements TokenSource {
  private value?: string;

  constructor(
    readonly description: string,
    private readonly load: () => string,
  ) {}

  token(): Promise<string> {
    // A throw inside the executor rejects, so a bad token file fails like a network error.
    return new Promise((resolve) => resolve((this.value ??= this.load())));
  }

  renew(): boolean {
    return false;
  }
}

/** The token file `cray init` and other CSM tools use: JSON with an `access_token`. */
function readTokenFile(path: string): string {
  const text = readTextFile(path, "token file");
  const hint =
    'It must be JSON with an "access_token" string, like the files `cray auth login` writes.';
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // Neither parseJson's position details nor the SyntaxError: both can quote the token.
    throw new UserError(`token file ${path} is not valid JSON`, hint);
  }
  const token = (data as { access_token?: unknown } | null)?.access_token;
  if (typeof token !== "string" || token.trim() === "") {
    throw new UserError(`token file ${path} has no "access_token" string`, hint);
  }
  return token.trim();
}

/**
 * Keycloak's client-credentials grant. The token is fetched on first use, shared by concurrent
 * requests, and fetched again shortly before `expires_in` runs out or after a 401.
 */
export class KeycloakTokens implements TokenSource {
  readonly description: string;
  private current?: { token: string; renewAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly url: string,
    private readonly clientId: string,
    private readonly secretFile: string,
    private readonly post: FormPoster,
    private readonly now: () => number = Date.now,
  ) {
    this.description = `Keycloak client ${clientId}`;
  }

  token(): Promise<string> {
    if (this.current !== undefined && this.now() < this.current.renewAt) {
      return Promise.resolve(this.current.token);
    }
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    return this.pending;
  }

  renew(rejected: string): boolean {
    // Concurrent requests refused with the same token share one new token.
    if (this.current?.token === rejected) this.current = undefined;
    return true;
  }

  private async fetch(): Promise<string> {
    const secret = readTextFile(this.secretFile, "client secret file").trim();
    if (secret === "") throw new UserError(`client secret file ${this.secretFile} is empty`);
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: this.clientId,
      client_secret: secret,
    });
    const reply = await this.post(this.url, form.toString());
    const error = oauthError(reply.text);
    // Older Keycloak answers a wrong secret with 400 unauthorized_client, newer with 401.
    if (reply.status === 401 || /^(unauthorized|invalid)_client$/.test(error?.code ?? "")) {
      throw new UserError(
        `client credentials rejected for client ${this.clientId} by ${this.url}`,
        "Check --client-id and the secret in --client-secret-file (Kubernetes secret " +
          "default/admin-client-auth, key client-secret).",
      );
    }
    if (reply.status !== 200) {
      // Keycloak's error_description is server text: a proxy in front may echo the form back.
      const said = error === undefined ? "" : `${error.code}: ${error.description}`;
      const why = said === "" ? "" : ` (${redactServerText(said, [secret])})`;
      throw new UserError(
        `POST ${this.url}: ${reply.status} ${redactServerText(reply.statusText, [secret])}${why}`,
      );
    }
    const { token, expiresIn } = tokenReply(reply.text, this.url);
    // Renew a little early so that a token does not expire between here and the service.
    const margin = Math.min(30, expiresIn / 10);
    this.current = { token, renewAt: this.now() + (expiresIn - margin) * 1000 };
    return token;
  }
}

/** The `{error, error_description}` of an OAuth error response, if that is what `text` is. */
function oauthError(text: string): { code: string; description: string } | undefined {
  try {
    const body = JSON.parse(text) as { error?: unknown; error_description?: unknown } | null;
    if (typeof body?.error !== "string") return undefined;
    const description = typeof body.error_description === "string" ? body.error_description : "";
    return { code: body.error, description };
  } catch {
    return undefined;
  }
}

function tokenReply(text: string, url: string): { token: string; expiresIn: number } {
  let body: { access_token?: unknown; expires_in?: unknown } | null;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // No cause and no position: the text is a token response and may hold the token.
    throw new UserError(`POST ${url}: the token response is not valid JSON`);
  }
  const token = body?.access_token;
  if (typeof token !== "string" || token === "") {
    throw new UserError(`POST ${url}: the token response has no access_token`);
  }
  const expiresIn = body?.expires_in;
  // Without a lifetime the token is kept until a 401 says otherwise.
  return {
    token,
    expiresIn: typeof expiresIn === "number" && expiresIn > 0 ? expiresIn : Infinity,
  };
}
