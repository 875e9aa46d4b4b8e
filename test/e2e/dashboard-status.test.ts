// The dashboard's status when GitHub accepts connections and never answers: "checking…" at once, the failure later.
import { mkdtempSync } from "node:fs";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config/env.js";
import { createLogger } from "../../src/log.js";
import { createVenom, type Venom } from "../../src/venom.js";
import { waitFor } from "../support/venom-process.js";

interface StatusBody {
  integrations: Array<{ name: string; configured: boolean; connected?: boolean; detail: string }>;
  checking: boolean;
  checkedAt: string | null;
  ageSeconds: number | null;
}

let silentGitHub: Server;
const held: Socket[] = [];
let venom: Venom;
let url: string;

beforeAll(async () => {
  // Accepts every connection and never answers: what an unreachable proxy or a firewall that drops replies looks like.
  silentGitHub = createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => silentGitHub.listen(0, "127.0.0.1", resolve));
  const config = readConfig(
    {
      GITHUB_TOKEN: "ghp_silentsilentsilentsilentsilent1234",
      GITHUB_REPO_NAME: "octo/silent",
      GHE_HOST: `127.0.0.1:${(silentGitHub.address() as AddressInfo).port}`,
      GHE_PROTOCOL: "http",
      VENOM_SANDBOX: "none",
      VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-status-")),
    },
    "/tmp",
  );
  const log = await createLogger({ level: "silent", destination: new PassThrough() });
  venom = await createVenom({ config, log, handler: async () => ({ checks: "none" }), probeTimeoutMs: 300 });
  url = `http://127.0.0.1:${await venom.listen(0, "127.0.0.1")}`;
});
afterAll(async () => {
  await venom.stop();
  for (const socket of held) socket.destroy();
  await new Promise<void>((resolve) => silentGitHub.close(() => resolve()));
});

async function status(): Promise<StatusBody> {
  const response = await fetch(`${url}/venom/api/status`);
  expect(response.status).toBe(200);
  return (await response.json()) as StatusBody;
}

describe("dashboard status with a GitHub that never answers", () => {
  it("answers at once with what the config says and 'checking…', then with the failure and its age", async () => {
    const first = await status();
    expect(first).toMatchObject({ checking: true, checkedAt: null, ageSeconds: null });
    const github = first.integrations.find((item) => item.name === "github");
    expect(github).toEqual({ name: "github", configured: true, detail: "checking…" });
    expect(first.integrations.map((item) => item.name)).toEqual(expect.arrayContaining(["github", "llm", "discord", "slack", "teams"]));
    expect(JSON.stringify(first)).not.toContain("ghp_silentsilentsilentsilentsilent1234");
    const page = await (await fetch(`${url}/venom`)).text();
    expect(page).toMatch(/github<\/td><td class="off">checking…/);
    expect(page).toContain("not checked yet");

    const settled = await waitFor(async () => {
      const current = await status();
      return current.checking ? undefined : current;
    }, 10_000, "the background probe to end");
    expect(settled.integrations.find((item) => item.name === "github")).toMatchObject({
      configured: true,
      connected: false,
      detail: expect.stringMatching(/^no answer from http:\/\/127\.0\.0\.1:\d+\/api\/v3 within 0\.3 s$/),
    });
    expect(Number.isNaN(Date.parse(settled.checkedAt ?? ""))).toBe(false);
    expect(settled.ageSeconds).toBeGreaterThanOrEqual(0);
    // The probe really was held by GitHub, not refused.
    expect(held.length).toBeGreaterThan(0);

    const after = await (await fetch(`${url}/venom`)).text();
    expect(after).toMatch(/github<\/td><td class="bad">not connected/);
    expect(after).toMatch(/checked <time datetime="[^"]+">\d+ s ago<\/time>/);
    expect(after).not.toContain("checking…");
  });
});
