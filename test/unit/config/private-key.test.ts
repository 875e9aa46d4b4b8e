// The App's private key is parsed at start-up: garbage stops it with one line naming the variable.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../../src/config/env.js";
import { ConfigError } from "../../../src/errors.js";

const rsaKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const directory = mkdtempSync(path.join(tmpdir(), "venom-key-"));

function keyFile(name: string, contents: string): string {
  const file = path.join(directory, name);
  writeFileSync(file, contents);
  return file;
}

function refusal(env: Record<string, string>): Error {
  try {
    readConfig(env, directory);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as Error;
  }
  throw new Error("readConfig accepted the key");
}

describe("the App's private key", () => {
  it("accepts a real key from PRIVATE_KEY_PATH and from PRIVATE_KEY with escaped newlines", () => {
    const fromFile = readConfig({ APP_ID: "1", PRIVATE_KEY_PATH: keyFile("good.pem", rsaKey) }, directory);
    expect(fromFile.github.mode).toBe("app");
    const fromValue = readConfig({ APP_ID: "1", PRIVATE_KEY: rsaKey.replace(/\n/g, "\\n") }, directory);
    expect(fromValue.github.privateKey).toBe(rsaKey);
  });

  it("refuses a key file holding garbage, naming PRIVATE_KEY_PATH and the file", () => {
    const file = keyFile("garbage.pem", "this is not a key\n");
    const error = refusal({ APP_ID: "1", PRIVATE_KEY_PATH: file });
    expect(error.message).toMatch(/^PRIVATE_KEY_PATH ".*garbage\.pem" does not hold a PEM private key; /);
    expect(error.message).not.toContain("\n");
  });

  it("refuses a PEM frame around a broken body (what a truncated copy and paste gives)", () => {
    const broken = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAnot-really-a-key\n-----END RSA PRIVATE KEY-----\n";
    expect(refusal({ APP_ID: "1", PRIVATE_KEY: broken }).message).toMatch(/^PRIVATE_KEY does not hold a PEM private key; /);
    expect(refusal({ APP_ID: "1", PRIVATE_KEY_PATH: keyFile("truncated.pem", broken) }).message).toMatch(/^PRIVATE_KEY_PATH "/);
  });

  it("refuses a key GitHub cannot have issued (not RSA)", () => {
    const ecKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const error = refusal({ APP_ID: "1", PRIVATE_KEY_PATH: keyFile("ec.pem", ecKey) });
    expect(error.message).toMatch(/^PRIVATE_KEY_PATH ".*ec\.pem" holds a key of type ec, not the RSA key GitHub issues for an App; /);
    expect(error.message).not.toContain("\n");
  });
});
