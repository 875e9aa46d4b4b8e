import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, createMasker, maskToken, maskValue } from "../../src/log.js";

describe("maskToken", () => {
  it("keeps the first and last four characters of long values", () => {
    expect(maskToken("ghp_1234567890abcdef")).toBe("ghp_...cdef");
  });
  it("hides short values entirely", () => {
    expect(maskToken("12345678")).toBe("***");
  });
});

describe("createMasker", () => {
  const mask = createMasker(["my-webhook-secret-value", "line1\nline2-private"]);

  it.each([
    ["ghp_abcdefghijklmnopqrstuvwxyz0123", "ghp_...0123"],
    ["ghs_abcdefghijklmnopqrstuvwxyz0123", "ghs_...0123"],
    ["gho_abcdefghijklmnopqrstuvwxyz0123", "gho_...0123"],
    ["github_pat_11ABCDEFG0123456789_abcdefghijkl", "gith...ijkl"],
    ["xoxb-1234567890-abcdefghij", "xoxb...ghij"],
    ["sk-proj-abcdefghijklmnopqrstuv", "sk-p...stuv"],
    ["https://discord.com/api/webhooks/123/abcDEF", "http...cDEF"],
    ["https://hooks.slack.com/services/T00/B00/XXXX", "http...XXXX"],
  ])("masks the token pattern %s", (token, masked) => {
    const out = mask(`before ${token} after`);
    expect(out).toBe(`before ${masked} after`);
  });

  it("masks known secret values and their JSON-escaped form", () => {
    expect(mask("secret=my-webhook-secret-value")).toBe("secret=my-w...alue");
    expect(mask(JSON.stringify({ key: "line1\nline2-private" }))).not.toContain("line2-private");
  });

  it("masks bearer, basic and x-access-token credentials and URL passwords", () => {
    expect(mask("Authorization: Bearer abcd1234efgh5678")).toBe("Authorization: Bearer abcd...5678");
    expect(mask("the token expired yesterday")).toBe("the token expired yesterday");
    expect(mask("https://x-access-token:zzzzyyyyxxxxwwww@github.com/o/r.git")).not.toContain("zzzzyyyyxxxxwwww");
    expect(mask("redis://user:hunter2hunter2@host")).not.toContain("hunter2hunter2");
  });

  it("masks PEM private keys whole", () => {
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----";
    expect(mask(`key: ${pem}`)).toBe("key: ***");
    expect(mask(JSON.stringify({ pem }))).toBe('{"pem":"***"}');
  });

  it("masks inside objects and errors", () => {
    const error = new Error("failed with ghp_abcdefghijklmnopqrstuvwxyz0123");
    const masked = maskValue({ nested: [{ error, token: "ghp_abcdefghijklmnopqrstuvwxyz0123" }] }, mask);
    expect(JSON.stringify(masked)).not.toContain("ghp_abcdefghijklmnopqrstuvwxyz0123");
    expect(masked.nested[0]?.error.stack).not.toContain("ghp_abcdefghijklmnopqrstuvwxyz0123");
  });
});

describe("createLogger", () => {
  it("masks secrets in messages, objects and error stacks of every line", async () => {
    const sink = new PassThrough();
    const lines: string[] = [];
    sink.on("data", (chunk: Buffer) => lines.push(chunk.toString()));
    const log = await createLogger({ secrets: ["super-secret-webhook"], destination: sink });
    const token = "ghs_abcdefghijklmnopqrstuvwxyz0123";
    log.info({ headers: { authorization: `token ${token}` } }, `cloning with ${token}`);
    log.error({ err: new Error(`push failed: super-secret-webhook ${token}`) }, "push failed");
    await new Promise((resolve) => setImmediate(resolve));
    const all = lines.join("");
    expect(all).toContain("ghs_...0123");
    expect(all).not.toContain(token);
    expect(all).not.toContain("super-secret-webhook");
    expect(all).toContain("push failed");
  });
});
