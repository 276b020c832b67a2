import type { SplitReport, SplitReportStep } from "../../schemas/generated/split-report";
import { reportOutline } from "./outline";

/** Text lines are wrapped here; commands and table rows never are. */
const WIDTH = 100;

/**
 * The split report for a terminal: plain ASCII layout, aligned tables, no colours. Control
 * characters in values from SLS or Kubernetes are shown escaped, so that a name cannot move
 * the cursor or change the terminal.
 */
export function renderText(report: SplitReport): string {
  const doc = reportOutline(report);
  const heading = plain(doc.title);
  const out: string[] = [heading, "=".repeat(heading.length), ""];
  const facts: [string, string][] = [["Status", doc.status], ...doc.facts];
  const labelWidth = Math.max(...facts.map(([label]) => label.length)) + 2;
  for (const [label, value] of facts) {
    out.push(...wrap(plain(value), `${label}:`.padEnd(labelWidth), " ".repeat(labelWidth)));
  }
  for (const table of doc.tables) {
    out.push("", plain(table.title) + (table.legend === "" ? "" : ` (${table.legend})`));
    const rows = alignTable(
      table.header,
      table.rows.map((row) => row.cells),
    );
    out.push(...rows.map((line) => `  ${line}`));
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
    } else if (line.kind === "command") lines.push(`${body}  $ ${value}`);
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

/** Words of `text` in lines of at most WIDTH columns (a longer word stands alone). */
export function wrap(text: string, first: string, rest: string): string[] {
  const lines: string[] = [];
  let current = first;
  let empty = true;
  for (const word of text.split(" ").filter((w) => w !== "")) {
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
