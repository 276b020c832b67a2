import { UserError } from "./errors";
import type { Log } from "./log";
import { printable } from "./text";

/**
 * Keeping secrets out of messages and off the wire in cleartext: the client secret, bearer
 * tokens and VCS passwords may reach a URL the admin typed, or a server's error text (a proxy
 * that echoes the request echoes its Authorization header).
 */

/** `url` with any `user:password@` replaced by `***@`, parsable or not. */
export function redactUrl(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#\s]*@/, "$1***@");
}

/**
 * `url` as redactUrl shows it, and with its query string replaced by `?[redacted]`: in a
 * presigned URL (S3's X-Amz-Signature, X-Amz-Credential) the query is the credential.
 */
export function redactUrlQuery(url: string): string {
  return redactUrl(url).replace(/\?[^#]*/, "?[redacted]");
}

/** Whether `url` carries credentials (`user@` or `user:password@`). */
export function hasCredentials(url: string): boolean {
  return redactUrl(url) !== url;
}

/** How much of a server's error text a message quotes. */
export const MAX_SERVER_TEXT = 300;

/**
 * Text from a server or a program (an error description, a problem's detail, a plain-text
 * body, cray's stderr) made fit for a message: `known` secrets, `Bearer ...`,
 * `client_secret=...`, a URL's query string (a presigned URL's signature), JWTs and any run of
 * 32 or more token characters become `[redacted]` (a 40-hex commit SHA is kept: it names, it
 * does not open); control characters are escaped; at most MAX_SERVER_TEXT characters, then
 * "(truncated)".
 */
export function redactServerText(text: string, known: readonly string[] = []): string {
  // Cut first (with room for the redactions to shorten it), so a 2 MB body costs nothing.
  let safe = text.slice(0, MAX_SERVER_TEXT * 4);
  for (const secret of known) if (secret.length >= 4) safe = safe.split(secret).join("[redacted]");
  safe = safe
    .replace(/\b(Bearer|Basic)\s+[^\s"',;]+/gi, "$1 [redacted]")
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#"'<>]*)\?[^\s#"'<>]*/gi, "$1?[redacted]")
    .replace(/\b(client_secret|access_token|refresh_token|password)=[^\s&"',;]+/gi, "$1=[redacted]")
    .replace(/\beyJ[\w-]*\.[\w-]*\.?[\w-]*/g, "[redacted]")
    .replace(/[\w+=-]{32,}/g, (run) => (/^[0-9a-f]{40}$/.test(run) ? run : "[redacted]"));
  safe = printable(safe.replace(/\s+/g, " ").trim());
  const cut = safe.length > MAX_SERVER_TEXT || text.length > MAX_SERVER_TEXT * 4;
  return cut ? `${safe.slice(0, MAX_SERVER_TEXT)}... (truncated)` : safe;
}

/**
 * Refuses an `http://` URL that secrets would travel to (the gateway gets the client secret
 * and tokens, the VCS the VCS password), unless `allowHttp`: then it warns, on every run, as
 * --insecure does. `what` names the URL for the message, e.g. "the API gateway".
 */
export function checkCleartext(url: string, what: string, allowHttp: boolean, log: Log): void {
  if (!/^http:/i.test(url)) return;
  const shown = redactUrl(url);
  if (!allowHttp) {
    throw new UserError(
      `${what} ${shown} is http://: the client secret, tokens and VCS credentials would cross ` +
        "the network unencrypted",
      "Use https:// (the CSM gateway serves it, e.g. https://api-gw-service-nmn.local). If this " +
        "network is trusted and there is no other way, pass --allow-http (UAN_K3S_ALLOW_HTTP=1, " +
        "allow_http: true in uan-k3s.yaml).",
    );
  }
  log.warn(
    `${what} ${shown} is http:// (--allow-http): secrets cross the network unencrypted, and a ` +
      "host on the path can read and reuse them",
  );
}
