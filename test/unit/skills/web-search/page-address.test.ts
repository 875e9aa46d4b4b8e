// Page reads reach public hosts only: loopback, private and link-local targets are refused, redirects included.
import nock from "nock";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { assertPublicHost, isPublicAddress, type ResolveHost } from "../../../../src/skills/web-search/public-address.js";
import { WebSearchSkill } from "../../../../src/skills/web-search/web-search-skill.js";

const log = pino({ level: "silent" });

/** A resolver that knows a few names, so nothing here depends on this machine's DNS. */
const names: Record<string, string[]> = {
  "example.com": ["93.184.216.34"],
  "docs.example.org": ["2606:2800:220:1:248:1893:25c8:1946"],
  "internal.example.com": ["93.184.216.34", "10.0.0.5"],
  "rebind.example.net": ["169.254.169.254"],
};
const resolve: ResolveHost = (hostname) => Promise.resolve(names[hostname] ?? []);

function skill(): WebSearchSkill {
  return new WebSearchSkill({ log, checkPageHost: (url) => assertPublicHost(url, resolve) });
}

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

describe("isPublicAddress", () => {
  it.each([
    "127.0.0.1",
    "127.8.9.10",
    "::1",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "0.0.0.0",
    "100.100.100.200",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "::",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "64:ff9b::a00:1",
    "not an address",
  ])("refuses %s", (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"])("accepts %s", (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe("WebSearchSkill.fetchPage and private addresses", () => {
  it("reads a public page", async () => {
    nock("https://example.com").get("/guide").reply(200, "<html><body><main><p>Hello from the web.</p></main></body></html>", {
      "content-type": "text/html",
    });
    expect(await skill().fetchPage("https://example.com/guide")).toBe("Hello from the web.");
  });

  it.each([
    "http://127.0.0.1:8080/admin",
    "http://[::1]/",
    "http://0.0.0.0:3000/venom/api/jobs",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://192.168.0.1/",
    "http://172.20.1.1/",
    "http://[fd00::1]/",
    "http://[fe80::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://0x7f.1/",
    "http://2130706433/",
  ])("refuses %s without sending a request", async (url) => {
    const scope = nock(/.*/).get(/.*/).reply(200, "secret");
    await expect(skill().fetchPage(url)).rejects.toMatchObject({
      kind: "user",
      message: expect.stringMatching(/^Refused to read .+: it is a loopback, private or reserved address; only public web pages can be read\.$/),
    });
    expect(scope.isDone()).toBe(false);
  });

  it("refuses a name that resolves to a private address, even when another address is public", async () => {
    const scope = nock("http://internal.example.com").get("/").reply(200, "intranet");
    await expect(skill().fetchPage("http://internal.example.com/")).rejects.toThrow(
      "Refused to read internal.example.com: it resolves to 10.0.0.5, which is a loopback, private or reserved address",
    );
    expect(scope.isDone()).toBe(false);
  });

  it("checks every redirect hop: a public page cannot send the reader to loopback or metadata addresses", async () => {
    nock("https://example.com").get("/to-loopback").reply(302, "", { location: "http://127.0.0.1:3000/venom/api/jobs" });
    nock("https://example.com").get("/to-metadata").reply(301, "", { location: "http://rebind.example.net/latest/meta-data/" });
    const loopback = nock("http://127.0.0.1:3000").get(/.*/).reply(200, "jobs");
    const metadata = nock("http://rebind.example.net").get(/.*/).reply(200, "credentials");

    await expect(skill().fetchPage("https://example.com/to-loopback")).rejects.toThrow(/^Refused to read 127\.0\.0\.1:3000: it is a loopback/);
    await expect(skill().fetchPage("https://example.com/to-metadata")).rejects.toThrow(/^Refused to read rebind\.example\.net: it resolves to 169\.254\.169\.254/);
    expect(loopback.isDone()).toBe(false);
    expect(metadata.isDone()).toBe(false);
  });

  it("follows redirects between public hosts, relative ones included, up to five hops", async () => {
    nock("https://example.com").get("/old").reply(301, "", { location: "/new" });
    nock("https://example.com").get("/new").reply(307, "", { location: "https://docs.example.org/page" });
    nock("https://docs.example.org").get("/page").reply(200, "the page", { "content-type": "text/plain" });
    expect(await skill().fetchPage("https://example.com/old")).toBe("the page");

    nock("https://example.com").get("/loop").times(6).reply(302, "", { location: "/loop" });
    await expect(skill().fetchPage("https://example.com/loop")).rejects.toThrow("example.com redirected more than 5 times");
  });

  it("refuses a redirect to a non-http URL", async () => {
    nock("https://example.com").get("/file").reply(302, "", { location: "file:///etc/passwd" });
    await expect(skill().fetchPage("https://example.com/file")).rejects.toMatchObject({ kind: "user", message: expect.stringMatching(/not file: URLs/) });
  });
});
