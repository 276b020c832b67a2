/**
 * HTML built by one tagged template, `markup`, that escapes every interpolated value with one
 * function, escapeHtml, unless the value is itself Html made by the template. So a value from
 * SLS or Kubernetes cannot become markup by forgetting to escape it at one place.
 *
 * (Not named `html`: Prettier would reformat such templates as HTML, and so change the bytes.)
 */

/** Markup made by `markup`; only this is ever inserted unescaped. */
export class Html {
  constructor(readonly markup: string) {}

  toString(): string {
    return this.markup;
  }
}

export type HtmlValue = Html | string | number | false | null | undefined | readonly HtmlValue[];

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text as HTML: safe in element content and in a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** The template tag: literal parts as written, values escaped (arrays joined, false/null/undefined omitted). */
export function markup(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let text = strings[0];
  values.forEach((value, index) => {
    text += render(value) + strings[index + 1];
  });
  return new Html(text);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.markup;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join("");
  if (value === false || value === null || value === undefined) return "";
  return escapeHtml(String(value));
}
