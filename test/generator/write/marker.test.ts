import { expect } from "chai";
import { MARKER, hasMarker, markerLine, withMarker } from "../../../generator/write";

describe("write: marker", () => {
  it("is the line STYLE.md prescribes", () => {
    expect(MARKER).to.equal('Managed by uan-k3s; edit uan-k3s.yaml and run "uan-k3s gen-roles"');
  });

  it("uses # for YAML, config, unit and shell files and for files without an extension", () => {
    for (const path of [
      "k3s.yml",
      "vars/uan_k3s.yaml",
      "roles/uan_haproxy/files/haproxy.cfg",
      "roles/uan_sshd/files/sshd@.service",
      "roles/uan_sshd/files/sshd.conf",
      "roles/uan_k3s_install/files/install.sh",
      "roles/uan_podman/files/subuid",
      "roles/x/files/.gitignore",
    ]) {
      expect(markerLine(path), path).to.equal(`# ${MARKER}`);
    }
  });

  it("uses a Jinja comment for templates, so Ansible's rendered file does not carry it", () => {
    expect(markerLine("roles/uan_sshd/templates/sshd_config.j2")).to.equal(`{# ${MARKER} #}`);
    expect(markerLine("roles/uan_sshd/templates/run.sh.j2")).to.equal(`{# ${MARKER} #}`);
  });

  it("uses an HTML comment for Markdown", () => {
    expect(markerLine("roles/uan_k3s_stage/README.md")).to.equal(`<!-- ${MARKER} -->`);
  });

  it("throws for a file type whose comment syntax it does not know (a renderer bug)", () => {
    expect(() => markerLine("roles/x/files/data.json")).to.throw(Error, /data\.json/);
  });

  it("puts the marker on top, or after a #! line so the script keeps its interpreter", () => {
    expect(withMarker("a.yml", "x: 1\n")).to.equal(`# ${MARKER}\nx: 1\n`);
    expect(withMarker("a.sh", "#!/bin/sh\necho\n")).to.equal(`#!/bin/sh\n# ${MARKER}\necho\n`);
    expect(withMarker("a.sh", "#!/bin/sh")).to.equal(`#!/bin/sh\n# ${MARKER}\n`);
  });

  it("recognises the marker on the first line, or the second after #!, in every syntax", () => {
    for (const path of ["a.yml", "a.j2", "a.md", "a.sh"]) {
      expect(hasMarker(withMarker(path, "body\n")), path).to.equal(true);
    }
    expect(hasMarker(withMarker("a.sh", "#!/bin/bash\necho\n"))).to.equal(true);
    expect(hasMarker("- hosts: all\n")).to.equal(false);
    expect(hasMarker(`x: 1\ny: 2\n# ${MARKER}\n`)).to.equal(false);
    expect(hasMarker("")).to.equal(false);
  });
});
