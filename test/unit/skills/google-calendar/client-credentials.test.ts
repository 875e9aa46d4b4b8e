import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { VenomError } from "../../../../src/errors.js";
import { parseClientCredentials, readClientCredentials } from "../../../../src/skills/google-calendar/client-credentials.js";

const installed = {
  installed: {
    client_id: "123-abc.apps.googleusercontent.com",
    project_id: "venom",
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: "https://oauth2.googleapis.com/token",
    client_secret: "GOCSPX-secret",
    redirect_uris: ["http://localhost"],
  },
};

describe("parseClientCredentials", () => {
  it("reads Google's installed-app JSON", () => {
    expect(parseClientCredentials(JSON.stringify(installed), "c.json")).toEqual({
      clientId: "123-abc.apps.googleusercontent.com",
      clientSecret: "GOCSPX-secret",
      authUri: "https://accounts.google.com/o/oauth2/auth",
      tokenUri: "https://oauth2.googleapis.com/token",
    });
  });

  it("also accepts a web client, and one without endpoints", () => {
    expect(parseClientCredentials(JSON.stringify({ web: { client_id: "web-id", client_secret: "s" } }), "c.json")).toEqual({
      clientId: "web-id",
      clientSecret: "s",
    });
  });

  it.each([
    ["not JSON", "{nope", /not valid JSON/],
    ["no client", JSON.stringify({ type: "service_account" }), /neither an "installed" nor a "web" client/],
    ["no client_id", JSON.stringify({ installed: { client_secret: "s" } }), /no client_id/],
    ["a bad token_uri", JSON.stringify({ installed: { client_id: "x", token_uri: "ftp://x" } }), /token_uri is not an http\(s\) URL/],
  ])("refuses %s with what to do", (_label, text, message) => {
    let error: unknown;
    try {
      parseClientCredentials(text, "/etc/venom/c.json");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(VenomError);
    expect((error as VenomError).kind).toBe("user");
    expect((error as VenomError).message).toMatch(message);
    expect((error as VenomError).message).toContain("/etc/venom/c.json");
    expect((error as VenomError).message).not.toContain("GOCSPX");
  });
});

describe("readClientCredentials", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "venom-credentials-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads the file", async () => {
    await writeFile(join(dir, "c.json"), JSON.stringify(installed));
    expect((await readClientCredentials(join(dir, "c.json"))).clientId).toBe("123-abc.apps.googleusercontent.com");
  });

  it("says where to get the file when it is missing", async () => {
    await expect(readClientCredentials(join(dir, "missing.json"))).rejects.toThrow(
      /credentials not found at .*missing\.json: download an OAuth client JSON .* set GOOGLE_CALENDAR_CREDENTIALS_PATH/,
    );
  });
});
