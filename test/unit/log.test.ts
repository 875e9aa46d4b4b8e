import { spawn, type ChildProcess } from "node:child_process";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger, createMasker, excerpt, maskToken, maskValue } from "../../src/log.js";

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

describe("masking hostile text", () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  });
  const mask = createMasker(["my-webhook-secret-value"]);
  const pemHeader = "-----BEGIN RSA PRIVATE KEY-----";

  // Sizes where a backtracking pattern would not finish within the test timeout (the old PEM pattern never
  // finished on the first input; the old JWT pattern needed minutes on "-eyJ…"); linear scanning takes milliseconds.
  const adversarial: Record<string, string> = {
    "a key header followed by escaped newlines and no END": pemHeader + "\\n".repeat(100_000),
    "the same inside a JSON log line": JSON.stringify({ headers: { "x-evil": pemHeader + "\\n".repeat(100_000) } }),
    "many key headers without END, each in its own JSON string": `${pemHeader}\\n"`.repeat(20_000),
    "a key header, certificate END lines and no key END": `${pemHeader}${"-----END CERTIFICATE-----".repeat(10_000)}`,
    "JWT-like starts inside one long run": "-eyJ".repeat(100_000),
    "a bearer word and a long run of token characters": `Bearer ${"a".repeat(100_000)}`,
    "token prefixes back to back": "ghp_".repeat(100_000),
    "a URL with a long user-info run and no @": `https://${"b:".repeat(100_000)}`,
    "a Teams-like host with no webhook path": `https://${"a.".repeat(100_000)}webhook.office.co`,
  };

  it("finishes on adversarial input", async () => {
    // In a child process: a pattern that backtracks blocks its thread, and vitest's timeout can only fail the test
    // (not hang the run) when that thread is not its own.
    const script = `
      const { createMasker } = await import(process.argv[1]);
      const mask = createMasker(["my-webhook-secret-value"]);
      let input = "";
      for await (const chunk of process.stdin) input += chunk;
      const lengths = {};
      for (const [name, text] of Object.entries(JSON.parse(input))) lengths[name] = mask(text).length;
      process.stdout.write(JSON.stringify(lengths));`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, fileURLToPath(new URL("../../src/log.ts", import.meta.url))], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    children.push(child);
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve) => {
      child.once("exit", resolve);
      child.stdin.end(JSON.stringify(adversarial));
    });
    expect(exitCode).toBe(0);
    const lengths = JSON.parse(output) as Record<string, number>;
    expect(Object.keys(lengths).sort()).toEqual(Object.keys(adversarial).sort());
    // A key with no END is masked whole; the rest are not secrets.
    expect(lengths["a key header followed by escaped newlines and no END"]).toBe(3);
    expect(lengths["JWT-like starts inside one long run"]).toBe(400_000);
  });

  it("masks a private key with no END line to the end of its JSON string, or of the text", () => {
    expect(mask(`title ${pemHeader}\nMIIEabc`)).toBe("title ***");
    expect(mask(JSON.stringify({ a: `${pemHeader}\\nMIIE`, b: "kept" }))).toBe('{"a":"***","b":"kept"}');
    expect(mask(JSON.stringify({ a: `x ${pemHeader}\nMII"E` }))).toBe('{"a":"x ***"}');
  });

  it("ends a key only at a private key's END line, and leaves public keys alone", () => {
    const key = `${pemHeader}\nMIIE\n-----END CERTIFICATE-----\nmore\n-----END RSA PRIVATE KEY-----`;
    expect(mask(`a ${key} b`)).toBe("a *** b");
    const publicKey = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----";
    expect(mask(publicKey)).toBe(publicKey);
    const two = `${pemHeader}\n1\n-----END RSA PRIVATE KEY----- and -----BEGIN OPENSSH PRIVATE KEY-----\n2\n-----END OPENSSH PRIVATE KEY-----`;
    expect(mask(two)).toBe("*** and ***");
  });

  it("still masks a JWT that starts a run, and a bearer token", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    expect(mask(`cookie=${jwt};`)).toBe(`cookie=${jwt.slice(0, 4)}...${jwt.slice(-4)};`);
    expect(mask(`Authorization: Bearer ${"a".repeat(50)}1`)).toBe(`Authorization: Bearer aaaa...aaa1`);
  });
});

describe("excerpt", () => {
  it("keeps short values and cuts long ones, saying how long they were", () => {
    expect(excerpt("issues")).toBe("issues");
    expect(excerpt(undefined)).toBeUndefined();
    const cut = excerpt("x".repeat(20_000));
    expect(cut?.length).toBeLessThan(260);
    expect(cut).toContain("(20000 characters)");
  });
});
