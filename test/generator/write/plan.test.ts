import { expect } from "chai";
import { rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  MANIFEST_FILE,
  applyWrite,
  planWrite,
  type FileMap,
  type WritePlan,
} from "../../../generator/write";
import {
  hpeCheckout,
  put,
  rendered,
  snapshot,
  tempDir,
  textOf,
  userErrorFrom,
  without,
} from "./helpers";

function actions(plan: WritePlan): Record<string, string> {
  return Object.fromEntries(plan.entries.map((entry) => [entry.path, entry.action]));
}

/** A directory uan-k3s has written `rendered()` into. */
function written(files: FileMap = rendered()): string {
  const dir = tempDir();
  applyWrite(dir, planWrite(dir, files));
  return dir;
}

describe("write: planWrite", () => {
  it("plans to create every file in an empty (or missing) directory", () => {
    const dir = join(tempDir(), "out");
    const plan = planWrite(dir, rendered());
    expect(actions(plan)).to.deep.equal({
      "k3s.yml": "create",
      "roles/uan_k3s_stage/files/install.sh": "create",
      "roles/uan_k3s_stage/tasks/main.yml": "create",
      "vars/uan_k3s.yml": "create",
    });
    expect(plan.changed).to.equal(true);
    expect(plan.conflicts).to.deep.equal([]);
  });

  it("lists entries in code-unit order whatever the map's order, Map or object", () => {
    const files = new Map(Object.entries(rendered()).reverse());
    const paths = planWrite(tempDir(), files).entries.map((entry) => entry.path);
    expect(paths).to.deep.equal([
      "k3s.yml",
      "roles/uan_k3s_stage/files/install.sh",
      "roles/uan_k3s_stage/tasks/main.yml",
      "vars/uan_k3s.yml",
    ]);
  });

  it("finds nothing to do right after a write", () => {
    const plan = planWrite(written(), rendered());
    expect(new Set(Object.values(actions(plan)))).to.deep.equal(new Set(["unchanged"]));
    expect(plan.changed).to.equal(false);
  });

  it("updates its own files whose content changed, and removes the ones no longer generated", () => {
    const dir = written();
    const next = { ...rendered("2"), "k3s_validate.yml": "- hosts: all\n" };
    const plan = planWrite(dir, without(next, "roles/uan_k3s_stage/tasks/main.yml"));
    expect(actions(plan)).to.deep.equal({
      "k3s.yml": "unchanged",
      "k3s_validate.yml": "create",
      "roles/uan_k3s_stage/files/install.sh": "update",
      "roles/uan_k3s_stage/tasks/main.yml": "remove",
      "vars/uan_k3s.yml": "update",
    });
    expect(plan.changed).to.equal(true);
  });

  it("updates a file whose content is right but whose execute bit is not", () => {
    const dir = written();
    const files = {
      ...rendered(),
      "k3s.yml": { text: textOf(rendered(), "k3s.yml"), executable: true },
    };
    expect(actions(planWrite(dir, files))["k3s.yml"]).to.equal("update");
  });

  it("refuses to take over files uan-k3s did not write (HPE's k3s.yml on the first run)", () => {
    const dir = tempDir();
    hpeCheckout(dir);
    const plan = planWrite(dir, rendered());
    expect(plan.conflicts.map(({ path, reason, why }) => ({ path, reason, why }))).to.deep.equal([
      { path: "k3s.yml", reason: "unmanaged", why: "not written by uan-k3s" },
    ]);
    expect(plan.changed).to.equal(true);
    // Files it does not generate are none of its business.
    expect(plan.entries.map((entry) => entry.path)).not.to.include("vars/uan_helm.yml");
  });

  it("says so when an unmanaged file carries the marker (a lost manifest)", () => {
    const dir = written();
    const edited = `${textOf(rendered(), "k3s.yml")}# mine\n`;
    writeFileSync(join(dir, "k3s.yml"), edited);
    writeFileSync(join(dir, MANIFEST_FILE), '{"files": {}, "generator": "uan-k3s"}\n');
    const [conflict] = planWrite(dir, rendered()).conflicts;
    expect(conflict.why).to.match(/marker but is not in \.uan-k3s-manifest\.json/);
  });

  it("reports a managed file edited by hand as a conflict, not an update", () => {
    const dir = written();
    put(dir, "vars/uan_k3s.yml", "k3s_version: mine\n");
    const plan = planWrite(dir, rendered("2"));
    expect(plan.conflicts.map(({ path, reason, why }) => ({ path, reason, why }))).to.deep.equal([
      { path: "vars/uan_k3s.yml", reason: "edited", why: "edited since uan-k3s wrote it" },
    ]);
  });

  it("reports a stale managed file edited by hand as a conflict that --force removes", () => {
    const dir = written();
    put(dir, "roles/uan_k3s_stage/tasks/main.yml", "- name: mine\n");
    const files = without(rendered(), "roles/uan_k3s_stage/tasks/main.yml");
    const [conflict] = planWrite(dir, files).conflicts;
    expect(conflict).to.include({ path: "roles/uan_k3s_stage/tasks/main.yml", reason: "edited" });
    expect(conflict.text).to.equal(null);
  });

  it("takes a file already holding exactly the new bytes as unchanged (an interrupted run)", () => {
    const dir = tempDir();
    for (const [path, value] of Object.entries(rendered())) {
      put(
        dir,
        path,
        typeof value === "string" ? value : value.text,
        typeof value === "string" ? 0o644 : 0o755,
      );
    }
    const plan = planWrite(dir, rendered());
    expect(new Set(Object.values(actions(plan)))).to.deep.equal(new Set(["unchanged"]));
    // The manifest is still to be written, so --check says the tree is not up to date.
    expect(plan.changed).to.equal(true);
  });

  it("plans to drop a managed file that is already gone, and counts that as a change", () => {
    const dir = written();
    rmSync(join(dir, "vars/uan_k3s.yml"));
    const plan = planWrite(dir, without(rendered(), "vars/uan_k3s.yml"));
    expect(plan.entries.find((entry) => entry.path === "vars/uan_k3s.yml")).to.deep.equal({
      path: "vars/uan_k3s.yml",
      disk: null,
      action: "remove",
    });
    expect(plan.changed).to.equal(true);
  });

  it("recreates a managed file someone deleted", () => {
    const dir = written();
    rmSync(join(dir, "vars/uan_k3s.yml"));
    expect(actions(planWrite(dir, rendered()))["vars/uan_k3s.yml"]).to.equal("create");
  });

  it("writes nothing", () => {
    const dir = tempDir();
    hpeCheckout(dir);
    const before = snapshot(dir);
    planWrite(dir, rendered());
    expect(snapshot(dir)).to.deep.equal(before);
  });

  describe("paths", () => {
    const bad: Record<string, RegExp> = {
      "": /empty/,
      "/etc/passwd": /absolute/,
      "../k3s.yml": /\.\. segment/,
      "roles/../../x.yml": /\.\. segment/,
      "./k3s.yml": /\. or \.\. segment/,
      "roles//x.yml": /empty segment/,
      "roles/": /empty segment/,
      "roles\\x.yml": /backslash/,
      ".git/config": /inside \.git/,
      "roles/sub/.git/hooks/pre-commit": /inside \.git/,
      ".GIT/config": /inside \.git/,
      "a\0b": /NUL/,
      [MANIFEST_FILE]: /manifest itself/,
    };
    for (const [path, why] of Object.entries(bad)) {
      it(`throws a plain Error (a renderer bug) for ${JSON.stringify(path)}`, () => {
        const dir = tempDir();
        expect(() => planWrite(dir, { [path]: "x\n" })).to.throw(Error, why);
        expect(snapshot(dir)).to.deep.equal({});
      });
    }

    it("throws for a file that is also another file's directory", () => {
      expect(() => planWrite(tempDir(), { roles: "x\n", "roles/a.yml": "y\n" })).to.throw(
        Error,
        /roles is also a file/,
      );
    });

    it("accepts dotfiles and unusual but valid names", () => {
      const plan = planWrite(tempDir(), { ".gitignore": "x\n", "roles/a b/..x.yml": "y\n" });
      expect(plan.entries).to.have.length(2);
    });
  });

  describe("what is on disk", () => {
    it("refuses a symbolic link in the way, which could lead outside --out", async () => {
      const dir = tempDir();
      const elsewhere = tempDir();
      symlinkSync(elsewhere, join(dir, "roles"));
      const error = await userErrorFrom(() => planWrite(dir, rendered()));
      expect(error.message).to.match(/roles is a symbolic link/);
    });

    it("refuses a directory where a file goes, and a file where a directory goes", async () => {
      const dir = tempDir();
      put(dir, "k3s.yml/inner", "x\n");
      expect((await userErrorFrom(() => planWrite(dir, rendered()))).message).to.match(
        /k3s\.yml is not a regular file/,
      );
      const other = tempDir();
      put(other, "vars", "x\n");
      expect((await userErrorFrom(() => planWrite(other, rendered()))).message).to.match(
        /vars is not a directory/,
      );
    });
  });

  describe("the manifest on disk", () => {
    const cases: Record<string, RegExp> = {
      "not json": /invalid JSON/,
      "[]": /not a JSON object/,
      '{"generator": "projen", "files": {}}': /generator must be "uan-k3s"/,
      '{"generator": "uan-k3s", "files": []}': /files must be an object/,
      '{"generator": "uan-k3s", "files": {"../x": "sha256:00"}}':
        /"\.\.\/x": it has a \. or \.\. segment/,
      '{"generator": "uan-k3s", "files": {"x": "md5:00"}}': /files\/x must be "sha256:"/,
    };
    for (const [text, why] of Object.entries(cases)) {
      it(`is refused, naming it, when it is ${text}`, async () => {
        const dir = tempDir();
        put(dir, MANIFEST_FILE, text);
        const error = await userErrorFrom(() => planWrite(dir, rendered()));
        expect(error.message).to.include(join(dir, MANIFEST_FILE)).and.match(why);
        expect(error.hint).to.match(/git checkout -- \.uan-k3s-manifest\.json/);
      });
    }
  });
});
