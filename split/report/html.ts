import type { SplitReport, SplitReportStep } from "../../schemas/generated/split-report";
import { reportOutline, type ReportOutlineTable, type ReportOutline } from "./outline";
import { Html, markup } from "./escape";
import { addressMap, type LegendItem } from "./map";

/**
 * The split report as one self-contained HTML page to attach to a ticket: inline CSS, an
 * inline SVG address map, no script, nothing fetched (a Content-Security-Policy forbids it
 * too). Every value from SLS or Kubernetes is escaped by the `markup` template. The same
 * report gives the same bytes.
 */
export function renderHtml(report: SplitReport): string {
  const doc = reportOutline(report);
  const map = addressMap(report);
  const statusClass = `status ${report.status}`;
  const page = markup`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${doc.title}</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<main>
<h1>${doc.title}</h1>
<p class="${statusClass}"><strong>${doc.status}</strong></p>
<table class="facts">
${doc.facts.map(([label, value]) => markup`<tr><th>${label}</th><td>${value}</td></tr>\n`)}</table>
<section>
<h2>Address map</h2>
${map.svg}
<ul class="legend">
${map.legend.map(legendItem)}</ul>
</section>
<section>
<h2>${doc.conflicts.heading}</h2>
${conflicts(doc.conflicts)}
</section>
${doc.lists.map((item) => list(item.name, item.items))}<section>
<h2>Next steps</h2>
<ol class="steps">
${doc.steps.map(step)}</ol>
</section>
${doc.tables.map(subnetTable)}</main>
</body>
</html>
`;
  return page.markup;
}

function legendItem(item: LegendItem): Html {
  // The colour is one of MAP_COLOURS, never a value from SLS.
  return markup`<li><span class="swatch" style="background:${item.colour}"></span>${item.label}</li>\n`;
}

function subnetTable(table: ReportOutlineTable): Html {
  const rows = table.rows.map(
    (row) =>
      markup`<tr class="${row.change}">${row.cells.map((cell) => markup`<td>${cell}</td>`)}</tr>\n`,
  );
  return markup`<section>
<h2>${table.title}</h2>
${table.legend === "" ? "" : markup`<p class="hint">Change: ${table.legend}</p>\n`}<table class="subnets">
<tr>${table.header.map((column) => markup`<th>${column}</th>`)}</tr>
${rows}</table>
</section>
`;
}

function conflicts({ none, items }: ReportOutline["conflicts"]): Html {
  if (none !== undefined) return markup`<p>${none}</p>`;
  const rows = items.map(
    (c) =>
      markup`<tr><td>${c.address}</td><td>${c.kind}</td><td>${c.subject}</td><td>${c.message}</td></tr>\n`,
  );
  return markup`<table class="conflicts">
<tr><th>Address</th><th>Kind</th><th>Held by</th><th>Message</th></tr>
${rows}</table>`;
}

function list(name: string, items: readonly string[]): Html {
  if (items.length === 0) return markup``;
  return markup`<section>
<h2>${name}</h2>
<ul>
${items.map((item) => markup`<li>${item}</li>\n`)}</ul>
</section>
`;
}

function step(next: SplitReportStep): Html {
  const body: Html[] = [];
  // Consecutive commands share one block, so that they can be copied together.
  let commands: string[] = [];
  const flush = (): void => {
    if (commands.length > 0) body.push(markup`<pre><code>${commands.join("\n")}</code></pre>\n`);
    commands = [];
  };
  for (const line of next.lines) {
    if (line.kind === "command") {
      commands.push(line.value);
      continue;
    }
    flush();
    const kind = line.kind === "option" ? "option" : "text";
    body.push(markup`<p class="${kind}">${line.value}</p>\n`);
  }
  flush();
  return markup`<li><h3>${next.title}</h3>
${body}</li>
`;
}

const STYLE = `
body { margin: 0; background: #fff; color: #1a1a1a; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1220px; margin: 0 auto; padding: 12px 20px 40px; }
h1 { font-size: 22px; margin: 4px 0 8px; }
h2 { font-size: 17px; margin: 22px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 2px; }
h3 { font-size: 15px; margin: 0 0 6px; }
.status { margin: 0 0 10px; padding: 8px 12px; border-left: 6px solid; }
.status.ready { background: #e8f5e9; border-color: #2e7d32; }
.status.unverified { background: #fff8e1; border-color: #ef6c00; }
.status.blocked { background: #fdecef; border-color: #b00020; color: #8c0019; }
.status.already-split { background: #e3f2fd; border-color: #1565c0; }
table { border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 3px 8px; border: 1px solid #ccc; }
.facts th, .facts td { border: none; padding: 1px 12px 1px 0; }
.subnets td, .conflicts td { font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
.subnets tr.changed td, .subnets tr.added td { background: #fff8e1; }
.conflicts td { color: #8c0019; }
.conflicts td:nth-child(-n+2) { white-space: nowrap; }
.hint { color: #555; margin: 4px 0; }
svg.map { display: block; width: 100%; height: auto; max-width: 1200px; }
svg.map text { font: 11px ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; fill: #1a1a1a; }
svg.map text.lane { text-anchor: end; font-family: system-ui, sans-serif; font-size: 12px; }
svg.map text.caption { text-anchor: middle; fill: #fff; }
svg.map text.none { fill: #666; }
svg.map text.split-label { text-anchor: middle; font-weight: bold; }
svg.map .lane-bg { fill: #f3f4f6; }
svg.map .axis { stroke: #555; stroke-width: 1; }
svg.map .tick { stroke: #999; stroke-width: 1; }
svg.map .split { stroke: #000; stroke-width: 2; stroke-dasharray: 5 3; }
.legend { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 4px 18px; }
.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 12px; height: 12px; border: 1px solid #0003; }
.steps > li { margin: 0 0 14px; }
.steps p { margin: 4px 0; }
.steps p.option { font-weight: 600; margin-top: 8px; }
pre { background: #f6f8fa; border: 1px solid #ddd; padding: 6px 10px; margin: 4px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
code { font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
@media print { main { max-width: none; } }
`;
