import { printable } from "./text";

/** Where warnings and progress go. stdout is reserved for data (inventory JSON, reports). */
export interface Log {
  warn(message: string): void;
  info(message: string): void;
  /** Detail only `--verbose` shows: where data came from (a cache hit), a retry's reason. */
  debug?(message: string): void;
  /**
   * A step that may take over a second is starting (an API call, git, kubectl). A terminal
   * shows it on one line that the next output replaces; elsewhere it is not shown.
   */
  progress?(message: string): void;
}

/** What a stderr log shows; an error is never a log line (cli/fail.ts prints it). */
export interface StderrLogOptions {
  readonly warnings: boolean;
  readonly info: boolean;
  readonly debug: boolean;
  /** Only where stderr is a terminal: a progress line would garble a log file. */
  readonly progress: boolean;
  readonly color: boolean;
}

// A progress line is written without a newline and erased (carriage return, erase line)
// before anything else reaches the terminal: stderr or stdout, which are often the same one.
let progressShown = false;

/** Erases a progress line still on the terminal; call before writing anything else. */
export function clearProgress(): void {
  if (!progressShown) return;
  progressShown = false;
  process.stderr.write("\r\x1b[2K");
}

/** Writes to stderr after erasing any progress line. */
export function writeStderr(text: string): void {
  clearProgress();
  process.stderr.write(text);
}

/**
 * A reader that stops early (`| head`, a jq filter, a pager quit) closes stdout. End as a
 * Unix tool killed by SIGPIPE does, status 141 and nothing on stderr: Node ignores SIGPIPE
 * and would instead die of an unhandled EPIPE with a stack trace. Both entry points call it.
 */
export function exitQuietlyWhenStdoutCloses(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(141);
    throw error;
  });
}

/** Writes to stdout (data) after erasing any progress line. */
export function writeStdout(text: string): void {
  clearProgress();
  process.stdout.write(text);
}

/** ANSI styles for status words, only where color is on. */
export type Style = "red" | "yellow" | "green" | "dim" | "bold";
const SGR: Record<Style, string> = { red: "31", yellow: "33", green: "32", dim: "2", bold: "1" };

export function paint(text: string, style: Style, color: boolean): string {
  return color ? `\x1b[${SGR[style]}m${text}\x1b[0m` : text;
}

/**
 * Color on a stream: only a terminal (not TERM=dumb), and never with NO_COLOR set to anything
 * (https://no-color.org) or --no-color.
 */
export function colorWanted(
  stream: { readonly isTTY?: boolean },
  env: NodeJS.ProcessEnv,
  noColorFlag = false,
): boolean {
  return (
    stream.isTTY === true &&
    !noColorFlag &&
    (env.NO_COLOR === undefined || env.NO_COLOR === "") &&
    env.TERM !== "dumb"
  );
}

/**
 * The log on stderr. Messages quote SLS and HSM data (aliases, xnames, labels): escaped, so
 * that it cannot drive the terminal or fake a line of its own. A warning is one line; info
 * may be several.
 */
export function createStderrLog(options: StderrLogOptions): Log {
  const prefix = (label: string, style: Style): string =>
    `uan-k3s: ${paint(label, style, options.color)}`;
  return {
    warn: (message) => {
      if (options.warnings) writeStderr(`${prefix("warning:", "yellow")} ${printable(message)}\n`);
    },
    info: (message) => {
      if (options.info) writeStderr(`uan-k3s: ${printable(message, { keepNewlines: true })}\n`);
    },
    debug: (message) => {
      if (options.debug)
        writeStderr(`${prefix("debug:", "dim")} ${printable(message, { keepNewlines: true })}\n`);
    },
    progress: (message) => {
      if (!options.progress) return;
      const columns = process.stderr.columns ?? 80;
      const line = `uan-k3s: ${printable(message)}…`;
      clearProgress();
      process.stderr.write(
        paint(
          line.length < columns ? line : `${line.slice(0, columns - 2)}…`,
          "dim",
          options.color,
        ),
      );
      progressShown = true;
    },
  };
}

/** Collects messages instead of printing them; for tests and for callers that report later. */
export class MemoryLog implements Log {
  readonly warnings: string[] = [];
  readonly infos: string[] = [];
  readonly debugs: string[] = [];
  warn(message: string): void {
    this.warnings.push(message);
  }
  info(message: string): void {
    this.infos.push(message);
  }
  debug(message: string): void {
    this.debugs.push(message);
  }
}
