import { expect } from "chai";
import { printable } from "../../core/text";

describe("printable", () => {
  const RAW = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

  it("escapes every terminal control a data string could carry", () => {
    const cases: [string, string][] = [
      ["\u001b[2J", "\\x1b[2J"], // CSI: clear the screen
      ["\u001b]0;owned\u0007", "\\x1b]0;owned\\x07"], // OSC: retitle the window
      ["\u009b31m", "\\x9b31m"], // the one-byte C1 CSI
      ["x\ruan-k3s: ok", "x\\x0duan-k3s: ok"], // overwrite the line
      ["x\nuan-k3s: warning: fake", "x\\x0auan-k3s: warning: fake"], // a line of its own
      ["uan\u202e10", "uan\\u202e10"], // right-to-left override
      ["a\u2066b\u2069", "a\\u2066b\\u2069"], // isolates
      ["a\u2028b", "a\\u2028b"], // line separator
      ["\u0000\u007f", "\\x00\\x7f"],
    ];
    for (const [raw, shown] of cases) {
      expect(printable(raw), JSON.stringify(raw)).to.equal(shown);
      expect(printable(raw)).not.to.match(RAW);
    }
  });

  it("leaves printable text alone, including backslashes and non-Latin letters", () => {
    for (const text of ["uan01", "x3000c0s9b0n0", "C:\\dir", "Zürich ノード", "{{ x }}"]) {
      expect(printable(text)).to.equal(text);
    }
  });

  it("keeps line breaks only when asked, and escapes everything else still", () => {
    expect(printable("a\nb\u001b[0m", { keepNewlines: true })).to.equal("a\nb\\x1b[0m");
    expect(printable("a\r\nb", { keepNewlines: true })).to.equal("a\\x0d\nb");
    expect(printable("a\nb")).to.equal("a\\x0ab");
  });
});
