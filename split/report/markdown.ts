import type { SplitReport, SplitReportStep } from "../../schemas/generated/split-report";
import { reportOutline } from "./outline";

/**
 * The split report for a change ticket (GitHub-flavoured Markdown): tables and lists with the
 * same content as the text report. Every value goes through escapeMarkdown; commands go in
 * fenced code blocks, where nothing is interpreted.
 */
export function renderMarkdown(report: SplitReport): string {
  const doc = reportOutline(report);
  const out: string[] = [`# ${escapeMarkdown(doc.title)}`, ""];
  for (const [label, value] of [["Status", doc.status], ...doc.facts]) {
    out.push(`- **${label}:** ${escapeMarkdown(value)}`);
  }
  for (const table of doc.tables) {
    out.push("", `## ${escapeMarkdown(table.title)}`, "");
    if (table.legend !== "") out.push(`Change: ${escapeMarkdown(table.legend)}`, "");
    out.push(row(table.header), `|${" --- |".repeat(table.header.length)}`);
    for (const { cells } of table.rows) out.push(row(cells));
  }
  out.push("", `## ${doc.conflicts.heading}`, "");
  if (doc.conflicts.none !== undefined) out.push(escapeMarkdown(doc.conflicts.none));
  for (const c of doc.conflicts.items) {
    const [address, kind, subject, message] = [c.address, c.kind, c.subject, c.message].map(
      escapeMarkdown,
    );
    out.push(`- **${address}** ${kind}, ${subject}: ${message}`);
  }
  for (const list of doc.lists) {
    out.push("", `## ${list.name}`, "");
    for (const item of list.items) out.push(`- ${escapeMarkdown(item)}`);
  }
  out.push("", "## Next steps", "");
  doc.steps.forEach((step, index) => out.push(...stepLines(step, index + 1)));
  return `${out.join("\n").trimEnd()}\n`;
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(escapeMarkdown).join(" | ")} |`;
}

function stepLines(step: SplitReportStep, number: number): string[] {
  const marker = `${number}. `;
  const indent = " ".repeat(marker.length);
  const lines = [`${marker}**${escapeMarkdown(step.title)}**`, ""];
  // Consecutive commands share one code block, so that they can be copied together.
  let commands: string[] = [];
  const flush = (): void => {
    if (commands.length === 0) return;
    const fence = "`".repeat(Math.max(3, ...commands.map(longestBacktickRun).map((n) => n + 1)));
    lines.push(`${indent}${fence}sh`, ...commands.map((c) => indent + c), `${indent}${fence}`, "");
    commands = [];
  };
  for (const line of step.lines) {
    if (line.kind === "command") {
      commands.push(line.value.replace(/[\r\n]+/g, " "));
      continue;
    }
    flush();
    const value = escapeMarkdown(line.value);
    lines.push(line.kind === "option" ? `${indent}*${value}*` : `${indent}${value}`, "");
  }
  flush();
  return lines;
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}

const MARKDOWN_ENTITIES: Readonly<Record<string, string>> = {
  "<": "&lt;",
  ">": "&gt;",
  "&": "&amp;",
};

/**
 * A value (from SLS, Kubernetes or our own prose around them) as literal Markdown text, safe
 * in a table cell and a list item: backslash before every character that could start
 * formatting, code, a link or a table cell, and HTML's `<`, `>` and `&` as entities. Line
 * breaks become spaces (a table row is one line). An underscore between two letters or digits
 * stays bare: it cannot emphasise, and snake_case names stay readable.
 */
export function escapeMarkdown(value: string): string {
  return value
    .replace(/[\r\n]+/g, " ")
    .replace(/[\\`*[\]|~#]/g, (c) => `\\${c}`)
    .replace(/[<>&]/g, (c) => MARKDOWN_ENTITIES[c])
    .replace(/_/g, (underscore, at: number, whole: string) =>
      /[A-Za-z0-9]/.test(whole[at - 1] ?? "") && /[A-Za-z0-9]/.test(whole[at + 1] ?? "")
        ? underscore
        : "\\_",
    );
}
