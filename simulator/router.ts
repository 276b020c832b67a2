import { ABOUT_BLANK, problemReply, type Reply } from "./reply";

/** A request as routes see it: already read, with the path split from the query. */
export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Values of the `:name` segments of the matched pattern, URL-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly body: string;
}

/** One endpoint: `pattern` is a path whose `:name` segments match any one segment. */
export interface Route {
  readonly method: string;
  readonly pattern: string;
  /**
   * Served by Go's gorilla/mux with StrictSlash, as SLS is: a trailing slash gets a 301 to
   * the path without it, and a wrong method a plain-text 404 (no 405, no Allow).
   */
  readonly goMux?: true;
  handle(request: SimRequest): Reply;
}

/**
 * Finds the route for a request. A path that no pattern matches is a 404; a path that
 * matches only under other methods is a 405 with an Allow header, as the Python services do
 * (a Go mux route answers as goMux says).
 */
export function dispatch(routes: readonly Route[], request: Omit<SimRequest, "params">): Reply {
  const allowed: Route[] = [];
  for (const route of routes) {
    const params = matchPattern(route.pattern, request.path);
    if (params === undefined) continue;
    if (route.method === request.method) return route.handle({ ...request, params });
    allowed.push(route);
  }
  const unslashed = request.path.replace(/\/+$/, "");
  if (unslashed !== request.path && unslashed !== "") {
    const redirects = routes.some(
      (route) => route.goMux === true && matchPattern(route.pattern, unslashed) !== undefined,
    );
    const query = request.query.toString();
    const location = query === "" ? unslashed : `${unslashed}?${query}`;
    if (redirects) return { status: 301, headers: { location }, text: "" };
  }
  if (allowed.length > 0 && allowed.every((route) => route.goMux === true)) return GO_NOT_FOUND;
  if (allowed.length === 0) {
    return problemReply(404, `no endpoint ${request.path}`, { type: ABOUT_BLANK });
  }
  const reply = problemReply(405, `${request.method} is not allowed on ${request.path}`, {
    type: ABOUT_BLANK,
  });
  const allow = allowed.map((route) => route.method).join(", ");
  return { ...reply, headers: { ...reply.headers, allow } };
}

/** What Go's http.NotFound writes. */
const GO_NOT_FOUND: Reply = {
  status: 404,
  headers: { "content-type": "text/plain; charset=utf-8" },
  text: "404 page not found\n",
};

export function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    if (want[i].startsWith(":") && got[i] !== "") {
      const value = decodeSegment(got[i]);
      if (value === undefined) return undefined;
      params[want[i].slice(1)] = value;
    } else if (want[i] !== got[i]) {
      return undefined;
    }
  }
  return params;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined; // a malformed %-escape matches nothing, so the request gets a 404
  }
}
