// updateEnvFile: owner-only, other lines kept, values read back exactly by Node's own .env parser.
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { updateEnvFile } from "../../../src/setup/env-file.js";

const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();

function envFile(contents?: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "venom-env-")), ".env");
  if (contents !== undefined) {
    writeFileSync(file, contents);
    chmodSync(file, 0o644);
  }
  return file;
}

describe("updateEnvFile", () => {
  it("creates .env readable by its owner only", () => {
    const file = envFile();
    updateEnvFile(file, { APP_ID: "1" });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toBe("APP_ID=1\n");
  });

  it("narrows an existing world-readable .env, replaces keys where they stand and keeps comments", () => {
    const file = envFile('# comment\nAPP_ID=\nPRIVATE_KEY="-----BEGIN\nstale-key-body\n-----END"\nOPENAI_API_KEY=sk-x\nAPP_ID=9\n');
    updateEnvFile(file, { APP_ID: "5", PRIVATE_KEY: pem, WEBHOOK_SECRET: "s3cret" });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, "utf8");
    expect(text.split("\n").slice(0, 2)).toEqual(["# comment", "APP_ID=5"]);
    // A marker no generated key contains by chance (a random key's base64 can hold any short word).
    expect(text).not.toContain("stale-key-body");
    expect(text.match(/^APP_ID=/gm)).toHaveLength(1);
    expect(parseEnv(text)).toEqual({ APP_ID: "5", PRIVATE_KEY: pem, OPENAI_API_KEY: "sk-x", WEBHOOK_SECRET: "s3cret" });
  });

  it("quotes values so that #, spaces and quotes survive Node's parser", () => {
    const file = envFile();
    const values = { A: "has # hash", B: 'say "hi"', C: "it's", D: "https://smee.io/abc" };
    updateEnvFile(file, values);
    expect(parseEnv(readFileSync(file, "utf8"))).toEqual(values);
  });
});
