import { UserError } from "../core/errors";

/** A misbehaviour to inject; see the Simulator interface in server.ts. */
export interface Fault {
  /** Matches when the request path (without query) starts with this. */
  path: string;
  /** Only requests with this method; any method when absent. */
  method?: string;
  kind: "delay" | "status" | "unauthorized" | "truncate" | "reset" | "body";
  /** For "status": the status to answer (e.g. 500, 502, 503). */
  status?: number;
  /** For "delay": how long to wait before answering normally. */
  ms?: number;
  /** For "body": the JSON text a 200 answers instead (a proxy's page, a wrong shape). */
  body?: string;
  /** How many matching requests it affects; Infinity for all. @default 1 */
  times?: number;
}

const KINDS: readonly string[] = ["delay", "status", "unauthorized", "truncate", "reset", "body"];

/** Injected faults in injection order; each matching request uses up one of the first match. */
export class FaultQueue {
  private readonly pending: { fault: Fault; left: number }[] = [];

  add(fault: Fault): void {
    checkFault(fault);
    this.pending.push({ fault: { ...fault }, left: fault.times ?? 1 });
  }

  clear(): void {
    this.pending.length = 0;
  }

  /** The fault this request triggers, if any, counting it as used. */
  take(method: string, path: string): Fault | undefined {
    const index = this.pending.findIndex(
      ({ fault }) =>
        path.startsWith(fault.path) &&
        (fault.method === undefined || fault.method.toUpperCase() === method),
    );
    if (index === -1) return undefined;
    const entry = this.pending[index];
    entry.left -= 1;
    if (entry.left <= 0) this.pending.splice(index, 1);
    return entry.fault;
  }
}

/** Rejects a fault that could never do what it says, so that it fails where it was written. */
export function checkFault(fault: Fault): void {
  const status = fault.status ?? 0;
  const problems = [
    !KINDS.includes(fault.kind) && `kind must be one of ${KINDS.join(", ")}`,
    typeof fault.path !== "string" && "path must be a string",
    fault.kind === "status" &&
      !(Number.isInteger(status) && status >= 400 && status <= 599) &&
      "a status fault needs a status from 400 to 599",
    fault.kind === "delay" &&
      !(typeof fault.ms === "number" && fault.ms >= 0) &&
      "a delay fault needs ms >= 0",
    fault.kind === "body" && typeof fault.body !== "string" && "a body fault needs a body string",
    fault.times !== undefined && !(fault.times >= 1) && "times must be at least 1",
  ].filter((problem): problem is string => typeof problem === "string");
  if (problems.length > 0) {
    throw new UserError(`invalid fault: ${problems.join("; ")}`, FAULT_HINT);
  }
}

const FAULT_HINT =
  'Example: {"path":"/apis/sls/v1/networks","kind":"status","status":503,"times":2}';
