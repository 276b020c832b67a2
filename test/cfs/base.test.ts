import { expect } from "chai";
import { checkConfigurationName, configurationPath } from "../../cfs/base";
import { UserError } from "../../core/errors";

describe("CFS configuration names", () => {
  const refusedNames = [
    "",
    ".",
    "..",
    "../v2",
    "a/b",
    "/abs",
    "x?y=1",
    "x#frag",
    "my config",
    "tab\tname",
    "line\nbreak",
    "%2e%2e",
    "-rf",
    ".hidden",
    "uan;rm",
    "ünïcode",
  ];
  for (const name of refusedNames) {
    it(`refuses ${JSON.stringify(name)} with the allowed pattern in the message`, () => {
      for (const version of ["v2", "v3"] as const) {
        expect(() => checkConfigurationName(name, version))
          .to.throw(UserError, "it must match ^[A-Za-z0-9][A-Za-z0-9._-]*$")
          .with.property("message")
          .that.does.not.match(/[\n\t]/);
      }
    });
  }

  it("takes the names CSM uses, and puts them into the URL unchanged", () => {
    for (const name of ["uan-config-2.6.0", "management-23.7.0", "ncn_personalization", "K3s"]) {
      checkConfigurationName(name, "v3");
      expect(configurationPath("v3", name)).to.equal(`/apis/cfs/v3/configurations/${name}`);
    }
  });

  it("keeps v3's length limit", () => {
    expect(() => checkConfigurationName("a".repeat(61), "v3")).to.throw(UserError, "at most 60");
    checkConfigurationName("a".repeat(61), "v2");
  });
});
