/** Where warnings and progress go. stdout is reserved for data (inventory JSON, reports). */
export interface Log {
  warn(message: string): void;
  info(message: string): void;
}

export const stderrLog: Log = {
  warn: (message) => process.stderr.write(`uan-k3s: warning: ${message}\n`),
  info: (message) => process.stderr.write(`uan-k3s: ${message}\n`),
};

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
