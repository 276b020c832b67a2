import { randomBytes } from "node:crypto";
import { jsonReply, type Reply } from "./reply";
import type { Route, SimRequest } from "./router";

export const TOKEN_PATH = "/keycloak/realms/shasta/protocol/openid-connect/token";

/** Opaque bearer tokens with a server-side expiry, like Keycloak's from the client's view. */
export class TokenStore {
  private readonly expiries = new Map<string, number>();
  private issued = 0;

  constructor(readonly lifetimeSeconds: number) {}

  issue(): string {
    const token = randomBytes(32).toString("base64url");
    this.expiries.set(token, Date.now() + this.lifetimeSeconds * 1000);
    this.issued += 1;
    return token;
  }

  /** True for a token this store issued that has neither expired nor been revoked. */
  isValid(token: string): boolean {
    const expiry = this.expiries.get(token);
    return expiry !== undefined && Date.now() < expiry;
  }

  revokeAll(): void {
    this.expiries.clear();
  }

  get issuedCount(): number {
    return this.issued;
  }
}

/** The token in an `Authorization: Bearer …` header, if there is one. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+)\s*$/i.exec(header ?? "");
  return match === null ? undefined : match[1];
}

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Keycloak's client-credentials grant for the `shasta` realm. */
export function keycloakRoutes(tokens: TokenStore, client: ClientCredentials): Route[] {
  return [
    { method: "POST", pattern: TOKEN_PATH, handle: (request) => grant(request, tokens, client) },
  ];
}

function grant(request: SimRequest, tokens: TokenStore, client: ClientCredentials): Reply {
  const form = new URLSearchParams(request.body);
  if (form.get("grant_type") !== "client_credentials") {
    return jsonReply(400, {
      error: "unsupported_grant_type",
      error_description: "Unsupported grant_type",
    });
  }
  if (
    form.get("client_id") !== client.clientId ||
    form.get("client_secret") !== client.clientSecret
  ) {
    return jsonReply(401, {
      error: "unauthorized_client",
      error_description: "Invalid client or Invalid client credentials",
    });
  }
  return jsonReply(200, {
    access_token: tokens.issue(),
    expires_in: tokens.lifetimeSeconds,
    refresh_expires_in: 0,
    token_type: "Bearer",
    "not-before-policy": 0,
    scope: "profile email",
  });
}
