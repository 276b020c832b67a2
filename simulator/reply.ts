import { STATUS_CODES } from "node:http";

/** What a route answers, before it is written to the socket (so that faults can mangle it). */
export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

export function jsonReply(status: number, value: unknown): Reply {
  // `null` is a real answer (SLS hardware search), so it is serialized like any other value.
  return { status, headers: { "content-type": "application/json" }, text: JSON.stringify(value) };
}

/** The RFC's problem type for "nothing more than the status", as HSM writes it. */
export const ABOUT_BLANK = "about:blank";
/** SLS writes it with a space; clients must not depend on either spelling. */
export const SLS_ABOUT_BLANK = "about: blank";

/** An RFC 7807 error as the CSM services send it; the title is the status text. */
export function problemReply(
  status: number,
  detail: string,
  options: { type: string; instance?: string },
): Reply {
  const body = {
    type: options.type,
    title: STATUS_CODES[status] ?? "Error",
    detail,
    instance: options.instance, // JSON.stringify leaves it out when undefined
    status,
  };
  return {
    status,
    headers: { "content-type": "application/problem+json" },
    text: JSON.stringify(body),
  };
}
