import { expect } from "chai";
import { eligibleUsers, parsePasswd, parseSubidFile, renderSubidFile } from "../../subid";
import { passwdOf, subuidOf, userErrorFrom } from "./helpers";

describe("subid: parsePasswd", () => {
  it("reads getent passwd output, skipping blank lines and # comments, tolerating CRLF", () => {
    const text = [
      "# exported from LDAP",
      "root:x:0:0:root:/root:/bin/bash",
      "",
      "alice:x:1001:100:Alice A.:/home/alice:/bin/bash\r",
      "   ",
      "bob:x:1002:100::/home/bob:",
    ].join("\n");
    const passwd = parsePasswd(text, "users.txt");
    expect(passwd.file).to.equal("users.txt");
    expect(passwd.users).to.deep.equal([
      { name: "root", uid: 0, gid: 0, line: 2 },
      { name: "alice", uid: 1001, gid: 100, line: 4 },
      { name: "bob", uid: 1002, gid: 100, line: 6 },
    ]);
  });

  const malformed: [what: string, line: string, message: string][] = [
    [
      "too few fields",
      "alice:x:1001:100",
      "expected 7 colon-separated fields (name:x:uid:gid:gecos:home:shell), found 4",
    ],
    ["too many fields", "alice:x:1001:100:a:b:c:d", "found 8"],
    ["an empty name", ":x:1001:100::/home:/bin/sh", "empty user name"],
    ["a NIS compat line", "+@staff:::::: ", "is a NIS compat entry, not an account"],
    [
      "a name with white space",
      "al ice:x:1001:100::/h:/s",
      'user name "al ice" contains white space',
    ],
    ["a uid that is not a number", "alice:x:10o1:100::/h:/s", 'uid "10o1" is not a decimal number'],
    ["a negative uid", "alice:x:-1:100::/h:/s", 'uid "-1" is not a decimal number'],
    ["an empty gid", "alice:x:1001:::/h:/s", 'gid "" is not a decimal number'],
    [
      "a uid of 2^32 - 1",
      "alice:x:4294967295:100::/h:/s",
      "uid 4294967295 is out of range (at most 4294967294)",
    ],
    ["a gid past 32 bits", "alice:x:1001:99999999999::/h:/s", "gid 99999999999 is out of range"],
  ];
  for (const [what, line, message] of malformed) {
    it(`refuses ${what}, naming file and line`, () => {
      const error = userErrorFrom(() =>
        parsePasswd(`root:x:0:0::/root:/bin/sh\n${line}\n`, "p.txt"),
      );
      expect(error.message).to.contain("p.txt is not a valid passwd file (1 problem)");
      expect(error.message).to.contain(`p.txt:2: `);
      expect(error.message).to.contain(message);
      expect(error.hint).to.contain("getent passwd");
    });
  }

  it("refuses a user defined twice, naming both lines", () => {
    const error = userErrorFrom(() =>
      parsePasswd("alice:x:1001:1::/h:/s\nbob:x:1002:1::/h:/s\nalice:x:1003:1::/h:/s\n", "p"),
    );
    expect(error.message).to.contain("p:3: user alice is already defined on line 1");
  });

  it("lists every problem in one error, then says how many more", () => {
    const lines = Array.from({ length: 25 }, (_, i) => `user${i}:x:oops:1::/h:/s`);
    const error = userErrorFrom(() => parsePasswd(lines.join("\n"), "p"));
    expect(error.message).to.contain("(25 problems)");
    expect(error.message).to.contain("p:1: uid");
    expect(error.message).to.contain("p:20: uid");
    expect(error.message).not.to.contain("p:21: uid");
    expect(error.message).to.contain("... and 5 more");
  });

  it("keeps users from min-uid up, without nobody and nfsnobody, by uid then name", () => {
    const passwd = passwdOf([
      ["zed", 2000],
      ["root", 0],
      ["daemon", 999],
      ["nobody", 65534],
      ["nfsnobody", 4294967294],
      ["bea", 2000],
      ["al", 1000],
    ]);
    expect(eligibleUsers(passwd, 1000).map((user) => user.name)).to.deep.equal([
      "al",
      "bea",
      "zed",
    ]);
    expect(eligibleUsers(passwd, 0).map((user) => user.name)).to.deep.equal([
      "root",
      "daemon",
      "al",
      "bea",
      "zed",
    ]);
  });
});

describe("subid: parseSubidFile", () => {
  it("reads name:start:count lines, numeric owners too, skipping blanks and comments", () => {
    const file = subuidOf("# kept by hand\nalice:100000:65536\n\n1002:165536:65536\n");
    expect(file.problems).to.deep.equal([]);
    expect(file.entries).to.deep.equal([
      { owner: "alice", start: 100000, count: 65536, line: 2 },
      { owner: "1002", start: 165536, count: 65536, line: 4 },
    ]);
  });

  const bad: [what: string, line: string, code: string, message: string][] = [
    [
      "two fields",
      "alice:100000",
      "malformed",
      "expected 3 colon-separated fields (name:start:count), found 2",
    ],
    ["four fields", "alice:1:2:3", "malformed", "found 4"],
    ["an empty owner", ":100000:65536", "malformed", "empty owner (a user name or uid)"],
    [
      "an owner with a space",
      "al ice:100000:65536",
      "malformed",
      'owner "al ice" contains white space',
    ],
    [
      "a CRLF line end",
      "alice:100000:65536\r",
      "malformed",
      "line ends with a carriage return (CRLF)",
    ],
    [
      "trailing space",
      "alice:100000:65536 ",
      "malformed",
      'count "65536 " is not a decimal number',
    ],
    ["an empty start", "alice::65536", "malformed", "empty start"],
    ["a negative start", "alice:-5:65536", "malformed", "start -5 is negative"],
    ["a hex start", "alice:0x100:65536", "malformed", 'start "0x100" is not a decimal number'],
    ["a leading zero", "alice:0100000:65536", "malformed", "start 0100000 has a leading zero"],
    ["a zero count", "alice:100000:0", "count", "count is 0: alice gets no ids"],
    [
      "a negative count",
      "alice:100000:-65536",
      "count",
      "count -65536 is negative: alice gets no ids",
    ],
    [
      "a range past 32 bits",
      "alice:4294901760:65536",
      "limit",
      "range 4294901760:65536 of alice ends past 4294967294",
    ],
    ["a huge number", "alice:1:99999999999999999999", "limit", "ends past 4294967294"],
  ];
  for (const [what, line, code, message] of bad) {
    it(`reports ${what} as ${code}, with its line`, () => {
      const file = parseSubidFile(`bob:200000:65536\n${line}\n`, "sub", "subgid");
      expect(file.entries.map((entry) => entry.owner)).to.deep.equal(["bob"]);
      expect(file.problems).to.have.length(1);
      expect(file.problems[0].line).to.equal(2);
      expect(file.problems[0].code).to.equal(code);
      expect(file.problems[0].message).to.contain(message);
    });
  }

  it("accepts the last usable id, 2^32 - 2", () => {
    const file = subuidOf("alice:4294901759:65536\n");
    expect(file.problems).to.deep.equal([]);
  });
});

describe("subid: renderSubidFile", () => {
  it("writes one line a range, sorted by start then owner, no comment, final newline", () => {
    const text = renderSubidFile([
      { owner: "carol", start: 300000, count: 10 },
      { owner: "bob", start: 100000, count: 65536 },
      { owner: "alice", start: 100000, count: 5 },
    ]);
    expect(text).to.equal("alice:100000:5\nbob:100000:65536\ncarol:300000:10\n");
  });

  it("renders nothing for no ranges, and reads back what it writes", () => {
    expect(renderSubidFile([])).to.equal("");
    const ranges = [{ owner: "1001", start: 165536, count: 65536 }];
    expect(subuidOf(renderSubidFile(ranges)).entries).to.deep.equal([{ ...ranges[0], line: 1 }]);
  });
});
