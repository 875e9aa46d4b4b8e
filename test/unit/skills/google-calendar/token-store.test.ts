import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mergeTokens, readStoredToken, writeStoredToken } from "../../../../src/skills/google-calendar/token-store.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "venom-token-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe("writeStoredToken", () => {
  it("creates the directory 0700 and the file 0600, through a temporary file", async () => {
    const path = join(dir, "a", "b", "token.json");
    await writeStoredToken(path, { access_token: "ya29.x", refresh_token: "1//r", expiry_date: 123, id_token: null });
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({ access_token: "ya29.x", refresh_token: "1//r", expiry_date: 123 });
    expect(await mode(path)).toBe(0o600);
    expect(await mode(join(dir, "a"))).toBe(0o700);
    expect(await mode(join(dir, "a", "b"))).toBe(0o700);
    expect(await readdir(join(dir, "a", "b"))).toEqual(["token.json"]);
  });

  it("replaces an existing file, which becomes 0600", async () => {
    const path = join(dir, "token.json");
    await writeFile(path, "old", { mode: 0o644 });
    await writeStoredToken(path, { access_token: "ya29.new" });
    expect(await readStoredToken(path)).toMatchObject({ access_token: "ya29.new" });
    expect(await mode(path)).toBe(0o600);
    // An existing directory keeps its mode: it may be shared with other config.
    expect(await readdir(dir)).toEqual(["token.json"]);
  });
});

describe("readStoredToken", () => {
  it("is undefined without a file", async () => {
    expect(await readStoredToken(join(dir, "none.json"))).toBeUndefined();
  });

  it("reads the token file of the Python reference system", async () => {
    const path = join(dir, "token.json");
    await writeFile(
      path,
      JSON.stringify({
        token: "ya29.py",
        refresh_token: "1//py",
        token_uri: "https://oauth2.googleapis.com/token",
        client_id: "id",
        client_secret: "secret",
        scopes: ["https://www.googleapis.com/auth/calendar.readonly", "https://www.googleapis.com/auth/calendar.events"],
        expiry: "2030-01-15T10:00:00.123456Z",
      }),
    );
    expect(await readStoredToken(path)).toEqual({
      access_token: "ya29.py",
      refresh_token: "1//py",
      expiry_date: Date.parse("2030-01-15T10:00:00.123Z"),
      token_type: "Bearer",
      scope: "https://www.googleapis.com/auth/calendar.readonly https://www.googleapis.com/auth/calendar.events",
    });
  });

  it("says to log in again when the file is unusable", async () => {
    const path = join(dir, "token.json");
    await writeFile(path, "{}");
    await expect(readStoredToken(path)).rejects.toThrow(/unreadable: run `venom calendar login` again/);
  });
});

describe("mergeTokens", () => {
  it("keeps the refresh token a refresh answer leaves out", () => {
    expect(
      mergeTokens({ access_token: "old", refresh_token: "1//keep", expiry_date: 1 }, { access_token: "new", expiry_date: 2, refresh_token: null }),
    ).toEqual({ access_token: "new", refresh_token: "1//keep", expiry_date: 2 });
  });
});
