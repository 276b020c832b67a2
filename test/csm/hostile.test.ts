import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../core/errors";
import { MemoryLog } from "../../core/log";
import { MAX_SERVER_TEXT, redactServerText, redactUrl, redactUrlQuery } from "../../core/secrets";
import { createCsmClient, type ApiOptions } from "../../csm/api-client";
import { TOKEN_PATH } from "../../csm/auth";
import { expectNoSecrets } from "./harness";

const SECRET = "hostile-test-client-secret-9f1e";
const PASSWORD = "gateway-password-77c1";
/** A JWT, as Keycloak issues them. */
const TOKEN =
  "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbi1jbGllbnQiLCJleHAiOjk5OTk5OTk5OTl9.c2lnbmF0dXJlLWJ5dGVzLWZvci10aGUtdGVzdHM";
const NETWORKS = "/apis/sls/v1/networks";

/** What the hostile gateway answers: status, status text, content type, body. */
type Answer = readonly [number, string, string, string];

/**
 * A plain-HTTP gateway that issues TOKEN and answers everything else with `answer(request)`,
 * which sees the request as a proxy that echoes it would: headers and body.
 */
async function hostileGateway(
  answer: (echo: string, req: IncomingMessage) => Answer,
  keycloak?: (echo: string) => Answer,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const echo = `${req.method} ${req.url}\nAuthorization: ${req.headers.authorization ?? ""}\n\n${body}`;
      const [status, text, type, reply] =
        req.url === TOKEN_PATH
          ? (keycloak?.(echo) ??
            ([
              200,
              "OK",
              "application/json",
              JSON.stringify({ access_token: TOKEN, expires_in: 300 }),
            ] as const))
          : answer(echo, req);
      res.writeHead(status, text, { "content-type": type });
      res.end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("CSM API client against a hostile gateway: no secret in any message", () => {
  let dir: string;
  let log: MemoryLog;
  let servers: Server[];
  const options = (gateway: string, overrides: Partial<ApiOptions> = {}): ApiOptions => ({
    gateway,
    insecure: false,
    allowHttp: true,
    clientId: "admin-client",
    clientSecretFile: join(dir, "secret"),
    timeoutMs: 5000,
    retries: 1,
    retryDelayMs: () => 0,
    ...overrides,
  });
  const failure = async (promise: Promise<unknown>): Promise<UserError> => {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(UserError);
    expectNoSecrets([error, ...log.warnings, ...log.infos], [SECRET, TOKEN, PASSWORD]);
    return error as UserError;
  };
  const gateway = async (...args: Parameters<typeof hostileGateway>): Promise<string> => {
    const { url, server } = await hostileGateway(...args);
    servers.push(server);
    return url;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "uan-k3s-hostile-"));
    writeFileSync(join(dir, "secret"), `${SECRET}\n`, { mode: 0o600 });
    log = new MemoryLog();
    servers = [];
  });
  afterEach(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    rmSync(dir, { recursive: true, force: true });
  });

  describe("cleartext", () => {
    for (const url of [
      "http://api-gw-service-nmn.local",
      "HTTP://10.1.1.1:8080/",
      "http://h/base",
    ]) {
      it(`refuses the gateway ${url} without --allow-http, before sending anything`, () => {
        expect(() => createCsmClient(options(url, { allowHttp: false }), log))
          .to.throw(
            UserError,
            "is http://: the client secret, tokens and VCS credentials would cross the network unencrypted",
          )
          .with.property("hint")
          .that.includes("--allow-http")
          .and.includes("UAN_K3S_ALLOW_HTTP")
          .and.includes("allow_http");
      });
    }

    it("with --allow-http, warns on every run (every client), and works", async () => {
      const url = await gateway(() => [200, "OK", "application/json", "[]"]);
      for (let runs = 1; runs <= 2; runs += 1) {
        const client = createCsmClient(options(url), log);
        expect(await client.getJson(NETWORKS)).to.deep.equal([]);
        expect(log.warnings).to.have.length(runs);
        expect(log.warnings[runs - 1]).to.match(
          /^the API gateway http:\/\/127\.0\.0\.1:\d+ is http:\/\/ \(--allow-http\): secrets cross the network unencrypted/,
        );
      }
    });
  });

  describe("a gateway URL with user:password@ is never echoed", () => {
    for (const url of [
      `https://admin:${PASSWORD}@api-gw-service-nmn.local`,
      `https://${PASSWORD}@api-gw-service-nmn.local/`,
      `http://admin:${PASSWORD}@api-gw-service-nmn.local`,
      `htps://admin:${PASSWORD}@api-gw-service-nmn.local`,
      `api-gw://admin:${PASSWORD}@x`,
    ]) {
      it(url.replace(PASSWORD, "PASSWORD"), () => {
        let caught: unknown;
        try {
          createCsmClient(options(url, { allowHttp: false }), log);
        } catch (error) {
          caught = error;
        }
        expect(caught).to.be.instanceOf(UserError);
        expectNoSecrets([caught, ...log.warnings], [PASSWORD]);
        expect((caught as UserError).message).to.include("***@");
      });
    }
  });

  describe("server error text is redacted and capped", () => {
    const echoing: [string, (echo: string) => Answer][] = [
      [
        "an RFC 7807 detail echoing the request",
        (echo) => [
          403,
          "Forbidden",
          "application/problem+json",
          JSON.stringify({ type: "about:blank", title: "Forbidden", detail: echo, status: 403 }),
        ],
      ],
      [
        "a problem title echoing the token",
        () => [
          400,
          "Bad Request",
          "application/problem+json",
          JSON.stringify({ title: `token ${TOKEN} refused`, detail: "x" }),
        ],
      ],
      ["a plain-text body echoing the request", (echo) => [404, "Not Found", "text/plain", echo]],
      ["a status text echoing the token", () => [418, `Teapot ${TOKEN}`, "text/plain", ""]],
      [
        "a 5xx detail echoing the request, retried",
        (echo) => [
          503,
          "Service Unavailable",
          "application/problem+json",
          JSON.stringify({ detail: echo }),
        ],
      ],
      [
        "the token without its JWT shape",
        () => [400, "Bad Request", "text/plain", `bad token ${TOKEN.replace(/\./g, "")}`],
      ],
    ];
    for (const [what, answer] of echoing) {
      it(`${what}`, async () => {
        const url = await gateway(answer);
        const error = await failure(createCsmClient(options(url), log).getJson(NETWORKS));
        expect(error.message).to.match(/^(GET|cannot reach)|failed after/);
      });
    }

    const keycloak: [string, (echo: string) => Answer][] = [
      [
        "Keycloak's error_description echoing the form",
        (echo) => [
          400,
          "Bad Request",
          "application/json",
          JSON.stringify({ error: "invalid_request", error_description: echo }),
        ],
      ],
      [
        "Keycloak's error_description with the bare secret",
        () => [
          500,
          "Internal Server Error",
          "application/json",
          JSON.stringify({ error: "server_error", error_description: `secret ${SECRET} is odd` }),
        ],
      ],
      ["a Keycloak 502 page echoing the form", (echo) => [502, "Bad Gateway", "text/plain", echo]],
    ];
    for (const [what, answer] of keycloak) {
      it(`${what}`, async () => {
        const url = await gateway(() => [200, "OK", "application/json", "[]"], answer);
        const error = await failure(createCsmClient(options(url), log).getJson(NETWORKS));
        expect(error.message).to.include(TOKEN_PATH);
      });
    }

    for (const [what, answer] of [
      [
        "a 2 MB problem detail",
        [
          400,
          "Bad Request",
          "application/problem+json",
          JSON.stringify({
            title: "Bad Request",
            detail: "A".repeat(10) + " word".repeat(400_000),
          }),
        ],
      ],
      ["a 2 MB plain-text body", [404, "Not Found", "text/plain", "oops ".repeat(400_000)]],
    ] as [string, Answer][]) {
      it(`${what} is cut to ${MAX_SERVER_TEXT} characters`, async () => {
        const url = await gateway(() => answer);
        const error = await failure(createCsmClient(options(url), log).getJson(NETWORKS));
        expect(error.message.length).to.be.below(MAX_SERVER_TEXT + 200);
        expect(error.message).to.match(/\.\.\. \(truncated\)\)$/);
      });
    }

    it("keeps what helps: a short detail, a commit SHA, a URL path", async () => {
      const detail = `commit ${"a".repeat(40)} not found at /apis/cfs/v3/configurations/uan-config-2.6.0`;
      const url = await gateway(() => [
        400,
        "Bad Request",
        "application/problem+json",
        JSON.stringify({ title: "Bad Request", detail }),
      ]);
      const error = await failure(createCsmClient(options(url), log).getJson(NETWORKS));
      expect(error.message).to.equal(
        `GET ${url}${NETWORKS}: 400 Bad Request (Bad Request: ${detail})`,
      );
    });
  });

  describe("redactServerText and redactUrl", () => {
    it("redacts every shape of credential", () => {
      for (const [text, kept] of [
        [`Authorization: Bearer ${TOKEN}`, "Authorization: Bearer [redacted]"],
        [`authorization: basic YWRtaW46aHVudGVyMg==`, "authorization: basic [redacted]"],
        [
          `grant_type=client_credentials&client_secret=${SECRET}`,
          "grant_type=client_credentials&client_secret=[redacted]",
        ],
        [`{"access_token": "${TOKEN}"}`, '{"access_token": "[redacted]"}'],
        [`opaque ${"Zq7x".repeat(11)} end`, "opaque [redacted] end"],
        [
          "denied: https://rgw-vip.nmn/user/subuid?X-Amz-Credential=STS%2F20261201&X-Amz-Signature=ab12 for GET",
          "denied: https://rgw-vip.nmn/user/subuid?[redacted] for GET",
        ],
        [`escape \u001b]0;title\u0007 here`, "escape \\x1b]0;title\\x07 here"],
      ]) {
        expect(redactServerText(text, [SECRET])).to.equal(kept);
      }
    });

    it("redacts a known secret of any shape", () => {
      expect(redactServerText("the secret is abc-123 ok", ["abc-123"])).to.equal(
        "the secret is [redacted] ok",
      );
    });

    it("takes credentials out of URLs, parsable or not", () => {
      expect(redactUrl("https://u:p@host/x")).to.equal("https://***@host/x");
      expect(redactUrlQuery("https://u:p@host/user/subuid?X-Amz-Signature=ab12#top")).to.equal(
        "https://***@host/user/subuid?[redacted]#top",
      );
      expect(redactUrlQuery("https://host/user/subuid")).to.equal("https://host/user/subuid");
      expect(redactUrl("htps://u:p@host")).to.equal("htps://***@host");
      expect(redactUrl("https://host/a@b")).to.equal("https://host/a@b");
    });
  });
});
