import { expect } from "chai";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  MANIFEST_FILE,
  applyWrite,
  describeWritePlan,
  planWrite,
  renderDiff,
} from "../../../generator/write";
import {
  git,
  hpeCheckout,
  isolatedGitEnv,
  put,
  rendered,
  snapshot,
  tempDir,
  textOf,
  without,
} from "./helpers";
import { needs } from "../../tools";

/**
 * HPE's checkout that uan-k3s wrote version 1 into (with a role it no longer generates), where
 * someone then edited k3s.yml by hand; and version 2 of the files.
 */
function scenario(): { dir: string; files: ReturnType<typeof rendered> } {
  const dir = tempDir();
  hpeCheckout(dir);
  applyWrite(dir, planWrite(dir, { ...rendered(), "roles/old/tasks/main.yml": "- old\n" }), {
    force: true,
    backupDir: tempDir(),
  });
  put(dir, "k3s.yml", "- hosts: mine\n");
  const files = {
    ...without(rendered("2"), "roles/uan_k3s_stage/tasks/main.yml"),
    "k3s_validate.yml": "- hosts: all\n",
    "vars/uan_k3s.yml": { text: 'k3s_version: "2"\n', executable: true },
  };
  return { dir, files };
}

describe("write: renderDiff and --check", function () {
  needs(this, "git");
  it("shows an update as -old/+new lines under a/ and b/ headers, like git", () => {
    const dir = tempDir();
    applyWrite(dir, planWrite(dir, rendered()));
    const diff = renderDiff(dir, planWrite(dir, rendered("2")));
    expect(diff).to.include(
      [
        "diff --git a/vars/uan_k3s.yml b/vars/uan_k3s.yml",
        "--- a/vars/uan_k3s.yml",
        "+++ b/vars/uan_k3s.yml",
        "@@ -1,2 +1,2 @@",
        ` ${textOf(rendered(), "vars/uan_k3s.yml").split("\n")[0]}`,
        '-k3s_version: "1"',
        '+k3s_version: "2"',
        "",
      ].join("\n"),
    );
    expect(diff).not.to.include("k3s.yml b/k3s.yml");
  });

  it("shows created, removed and conflicting files, and mode changes, in path order", () => {
    const { dir, files } = scenario();
    const diff = renderDiff(dir, planWrite(dir, files));
    const headers = diff
      .split("\n")
      .filter((line) => /^(diff|new|deleted|old|---|\+\+\+)/.test(line));
    expect(headers).to.deep.equal([
      "diff --git a/k3s.yml b/k3s.yml",
      "--- a/k3s.yml",
      "+++ b/k3s.yml",
      "diff --git a/k3s_validate.yml b/k3s_validate.yml",
      "new file mode 100644",
      "--- /dev/null",
      "+++ b/k3s_validate.yml",
      "diff --git a/roles/old/tasks/main.yml b/roles/old/tasks/main.yml",
      "deleted file mode 100644",
      "--- a/roles/old/tasks/main.yml",
      "+++ /dev/null",
      "diff --git a/roles/uan_k3s_stage/files/install.sh b/roles/uan_k3s_stage/files/install.sh",
      "--- a/roles/uan_k3s_stage/files/install.sh",
      "+++ b/roles/uan_k3s_stage/files/install.sh",
      "diff --git a/roles/uan_k3s_stage/tasks/main.yml b/roles/uan_k3s_stage/tasks/main.yml",
      "deleted file mode 100644",
      "--- a/roles/uan_k3s_stage/tasks/main.yml",
      "+++ /dev/null",
      "diff --git a/vars/uan_k3s.yml b/vars/uan_k3s.yml",
      "old mode 100644",
      "new mode 100755",
      "--- a/vars/uan_k3s.yml",
      "+++ b/vars/uan_k3s.yml",
    ]);
    expect(diff).to.include("-- hosts: mine\n");
  });

  it("is a patch git applies, giving what applyWrite --force writes", () => {
    const { dir, files } = scenario();
    const patched = tempDir();
    cpSync(dir, patched, { recursive: true });
    const diffFile = join(tempDir(), "gen-roles.diff");
    writeFileSync(diffFile, renderDiff(dir, planWrite(dir, files)));
    git(patched, isolatedGitEnv(), "apply", diffFile);
    applyWrite(dir, planWrite(dir, files), { force: true, backupDir: tempDir() });
    // The manifest is bookkeeping, not part of the diff.
    const withoutManifest = (tree: Record<string, string>) => {
      const { [MANIFEST_FILE]: _manifest, ...rest } = tree;
      return rest;
    };
    expect(withoutManifest(snapshot(patched))).to.deep.equal(withoutManifest(snapshot(dir)));
  });

  it("is byte-for-byte the same every time", () => {
    const { dir, files } = scenario();
    const first = renderDiff(dir, planWrite(dir, files));
    const copy = tempDir();
    cpSync(dir, copy, { recursive: true });
    expect(renderDiff(copy, planWrite(copy, files))).to.equal(first);
    expect(renderDiff(dir, planWrite(dir, files))).to.equal(first);
  });

  it("is empty, and plan.changed false, when the tree is up to date", () => {
    const dir = tempDir();
    applyWrite(dir, planWrite(dir, rendered()));
    const plan = planWrite(dir, rendered());
    expect(plan.changed).to.equal(false);
    expect(renderDiff(dir, plan)).to.equal("");
    expect(describeWritePlan(plan)).to.equal("");
  });

  it("marks a missing final newline the way git does", () => {
    const dir = tempDir();
    applyWrite(dir, planWrite(dir, { "a.yml": "a\n" }));
    const diff = renderDiff(dir, planWrite(dir, { "a.yml": "b" }));
    expect(diff).to.include("-a\n+b\n\\ No newline at end of file\n");
  });

  it("describes each change on its own line for stderr", () => {
    const { dir, files } = scenario();
    expect(describeWritePlan(planWrite(dir, files))).to.equal(
      [
        "conflict k3s.yml: edited since uan-k3s wrote it",
        "create   k3s_validate.yml",
        "remove   roles/old/tasks/main.yml",
        "update   roles/uan_k3s_stage/files/install.sh",
        "remove   roles/uan_k3s_stage/tasks/main.yml",
        "update   vars/uan_k3s.yml",
        "",
      ].join("\n"),
    );
  });
});
