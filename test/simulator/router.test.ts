import { expect } from "chai";
import { jsonReply } from "../../simulator/reply";
import { dispatch, matchPattern, type Route } from "../../simulator/router";

describe("simulator: route table", () => {
  it("matches literal segments exactly and captures :params, decoded", () => {
    expect(matchPattern("/a/:name", "/a/C%41N")).to.deep.equal({ name: "CAN" });
    expect(matchPattern("/a/:name", "/a/")).to.equal(undefined);
    expect(matchPattern("/a/:name", "/a/b/c")).to.equal(undefined);
    expect(matchPattern("/a/:name", "/A/b")).to.equal(undefined);
    expect(matchPattern("/a/:name", "/a/%E0%A4")).to.equal(undefined);
  });

  const routes: Route[] = [
    { method: "GET", pattern: "/a/:id", handle: (request) => jsonReply(200, request.params) },
    { method: "PUT", pattern: "/a/:id", handle: () => jsonReply(201, "put") },
  ];
  const request = (method: string, path: string) =>
    dispatch(routes, { method, path, query: new URLSearchParams(), body: "" });

  it("calls the handler of the route that matches path and method", () => {
    expect(request("GET", "/a/7").text).to.equal('{"id":"7"}');
    expect(request("PUT", "/a/7").status).to.equal(201);
  });

  it("answers 405 with Allow when only the method is wrong, and 404 for an unknown path", () => {
    const wrongMethod = request("POST", "/a/7");
    expect(wrongMethod.status).to.equal(405);
    expect(wrongMethod.headers.allow).to.equal("GET, PUT");
    expect(request("GET", "/b").status).to.equal(404);
  });
});
