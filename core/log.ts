import { printable } from "./text";

/** Where warnings and progress go. stdout is reserved for data (inventory JSON, reports). */
export interface Log {
  warn(message: string): void;
  info(message: string): void;
}

// Messages quote SLS and HSM data (aliases, xnames, labels): escaped, so that it cannot drive
// the terminal or fake a line of its own. A warning is one line; progress may be several.
const warnOnStderr = (message: string): void => {
  process.stderr.write(`uan-k3s: warning: ${printable(message)}\n`);
};

export const stderrLog: Log = {
  warn: warnOnStderr,
  info: (message) =>
    process.stderr.write(`uan-k3s: ${printable(message, { keepNewlines: true })}\n`),
};

/**
 * Warnings only. Ansible prints an inventory script's stderr as "[ERROR]" even when the script
 * succeeds, so the script keeps informational notes to itself.
 */
export const warningsOnlyLog: Log = { warn: warnOnStderr, info: () => undefined };

/** Collects messages instead of printing them; for tests and for callers that report later. */
export class MemoryLog implements Log {
  readonly warnings: string[] = [];
  readonly infos: string[] = [];
  warn(message: string): void {
    this.warnings.push(message);
  }
  info(message: string): void {
    this.infos.push(message);
  }
}
