import type { SplitReport, SplitReportStep } from "../../schemas/generated/split-report";
import { paint } from "../../core/log";
import { reportOutline } from "./outline";

/**
 * Every line fits this many columns: prose is wrapped at words, commands between shell words
 * (with a backslash continuation, so they still paste), and a table too wide for it is cut
 * into parts that each repeat the subnet's Name.
 */
const WIDTH = 100;

/**
 * The split report for a terminal: plain ASCII layout, aligned tables, no colours. Control
 * characters in values from SLS or Kubernetes are shown escaped, so that a name cannot move
 * the cursor or change the terminal.
 */
export function renderText(report: SplitReport, options: { color?: boolean } = {}): string {
  const doc = reportOutline(report);
  const heading = plain(doc.title);
  const out: string[] = [heading, "=".repeat(heading.length), ""];
  const facts: [string, string][] = [["Status", doc.status], ...doc.facts];
  const labelWidth = Math.max(...facts.map(([label]) => label.length)) + 2;
  for (const [label, value] of facts) {
    out.push(...wrap(plain(value), `${label}:`.padEnd(labelWidth), " ".repeat(labelWidth)));
  }
  // At a terminal the verdict is colored, after wrapping, so that widths count no escapes.
  const verdict =
    report.status === "ready" ? "green" : report.status === "blocked" ? "red" : "yellow";
  out[3] = out[3].replace(
    /^(Status: +)([A-Z-]+)/,
    (_, label: string, word: string) => `${label}${paint(word, verdict, options.color === true)}`,
  );
  for (const table of doc.tables) {
    out.push("", plain(table.title) + (table.legend === "" ? "" : ` (${table.legend})`));
    out.push(
      ...fitTable(
        table.header,
        table.rows.map((row) => row.cells),
        WIDTH - 2,
      ),
    );
  }
  out.push("", doc.conflicts.heading);
  if (doc.conflicts.none !== undefined) out.push(...wrap(doc.conflicts.none, "  ", "  "));
  for (const c of doc.conflicts.items) {
    out.push(...wrap(plain(`${c.address} ${c.kind} ${c.subject}: ${c.message}`), "  - ", "    "));
  }
  for (const list of doc.lists) {
    out.push("", list.name);
    for (const item of list.items) out.push(...wrap(plain(item), "  - ", "    "));
  }
  out.push("", "Next steps");
  doc.steps.forEach((step, index) => out.push(...stepLines(step, index + 1)));
  return `${out.join("\n")}\n`;
}

function stepLines(step: SplitReportStep, number: number): string[] {
  const marker = `  ${number}. `;
  const indent = " ".repeat(marker.length);
  const lines = wrap(plain(step.title), marker, indent);
  // The lines after an option belong to it, up to the next option: indented under its "*".
  let body = indent;
  for (const line of step.lines) {
    const value = plain(line.value);
    if (line.kind === "option") {
      lines.push(...wrap(value, `${indent}* `, `${indent}  `));
      body = `${indent}  `;
    } else if (line.kind === "command") lines.push(...commandLines(value, `${body}  $ `));
    else lines.push(...wrap(value, body, body));
  }
  return lines;
}

/** Columns padded to their widest cell, two spaces apart, a dashed line under the header. */
export function alignTable(headers: readonly string[], rows: readonly string[][]): string[] {
  const cells = [headers, ...rows].map((row) => row.map(plain));
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  const line = (row: string[]): string =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join("  ")
      .trimEnd();
  // No rule under an empty header: a lone "-" there would read as a mark.
  const rule = widths.map((width, column) => (cells[0][column] === "" ? "" : "-".repeat(width)));
  return [line(cells[0]), line(rule), ...cells.slice(1).map(line)];
}

/**
 * A table in parts that each fit `width` (after a two-space indent): the change mark and the
 * Name start every part, the other columns follow in order while they fit. When even one
 * column does not fit beside them, each subnet is written as lines of "column: value".
 */
function fitTable(headers: readonly string[], rows: readonly string[][], width: number): string[] {
  const KEY = 2; // the change mark and the Name
  const measure = (columns: number[]): number =>
    alignTable(
      columns.map((c) => headers[c]),
      rows.map((row) => columns.map((c) => row[c])),
    ).reduce((widest, line) => Math.max(widest, line.length), 0);
  const keys = [...Array(Math.min(KEY, headers.length)).keys()];
  const parts: number[][] = [];
  let part = [...keys];
  for (let column = keys.length; column < headers.length; column += 1) {
    if (part.length > keys.length && measure([...part, column]) > width) {
      parts.push(part);
      part = [...keys];
    }
    part.push(column);
  }
  parts.push(part);
  if (parts.every((columns) => measure(columns) <= width)) {
    return parts.flatMap((columns, index) => [
      ...(index === 0 ? [] : [""]),
      ...alignTable(
        columns.map((c) => headers[c]),
        rows.map((row) => columns.map((c) => row[c])),
      ).map((line) => `  ${line}`),
    ]);
  }
  return rows.flatMap((row) => [
    "",
    ...wrap(plain(`${row[0]} ${row[1]}`.trim()), "  ", "    "),
    ...headers
      .slice(KEY)
      .flatMap((header, index) =>
        wrap(plain(`${header}: ${row[index + KEY]}`), "      ", "        "),
      ),
  ]);
}

/**
 * A command in lines of at most WIDTH columns, broken between shell words with " \" so that
 * it still runs when pasted. Quoted words are never broken.
 */
function commandLines(command: string, first: string): string[] {
  const words = command.match(/(?:[^\s'"]+|'[^']*'|"(?:[^"\\]|\\.)*")+/g) ?? [command];
  const rest = " ".repeat(first.length + 2);
  const lines: string[] = [];
  let current = first;
  let empty = true;
  for (const word of words) {
    if (!empty && current.length + 1 + word.length + 2 > WIDTH) {
      lines.push(`${current} \\`);
      current = rest;
      empty = true;
    }
    current += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(current);
  return lines;
}

/** Words of `text` in lines of at most WIDTH columns (a longer word is cut). */
export function wrap(text: string, first: string, rest: string): string[] {
  const lines: string[] = [];
  let current = first;
  let empty = true;
  const room = WIDTH - Math.max(first.length, rest.length);
  const words = text
    .split(" ")
    .filter((w) => w !== "")
    .flatMap((word) => word.match(new RegExp(`.{1,${room}}`, "gs")) ?? [word]);
  for (const word of words) {
    if (!empty && current.length + 1 + word.length > WIDTH) {
      lines.push(current);
      current = rest;
      empty = true;
    }
    current += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(current.trimEnd());
  return lines;
}

/** C0 and C1 control characters (ESC, CR, ...) as \u escapes: the terminal shows, not obeys, them. */
function plain(value: string): string {
  return value.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
