import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { varsFileYaml } from "../../generator/vars";
import { tempDir } from "../cli/exec";
import { needs } from "../tools";

describe("vars files", function () {
  needs(this, "ansible-playbook");
  it("tags values that could open Jinja as !unsafe, and only those", () => {
    const yaml = varsFileYaml({
      a: "plain",
      b: "{{ lookup('pipe', 'id') }}",
      c: ["x", "{% raw %}"],
      d: 5,
      e: "yes",
    });
    expect(yaml).to.equal(
      'a: plain\nb: !unsafe "{{ lookup(\'pipe\', \'id\') }}"\nc:\n  - x\n  - !unsafe "{% raw %}"\nd: 5\ne: "yes"\n',
    );
  });

  it("keeps Ansible from templating them: the text arrives as written", () => {
    const dir = tempDir();
    const marker = join(dir, "pwned");
    writeFileSync(
      join(dir, "vars.yml"),
      varsFileYaml({ evil: `{{ lookup('pipe', 'touch ${marker}') }}`, word: "on" }),
    );
    writeFileSync(
      join(dir, "play.yml"),
      [
        "- hosts: localhost",
        "  gather_facts: false",
        "  vars_files: [vars.yml]",
        "  tasks:",
        "    - ansible.builtin.copy:",
        '        dest: "{{ playbook_dir }}/out"',
        '        content: "{{ evil }}|{{ word }}"',
        "",
      ].join("\n"),
    );
    execFileSync("ansible-playbook", ["-i", "localhost,", "-c", "local", join(dir, "play.yml")], {
      env: { PATH: process.env.PATH, HOME: dir, ANSIBLE_LOCAL_TEMP: join(dir, "tmp") },
      stdio: "pipe",
    });
    expect(execFileSync("cat", [join(dir, "out")], { encoding: "utf8" })).to.equal(
      `{{ lookup('pipe', 'touch ${marker}') }}|on`,
    );
    expect(() => execFileSync("test", ["-e", marker])).to.throw();
  });
});
