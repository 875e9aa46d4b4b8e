// Tests for the secret scanner: every detector, diff parsing, known secrets, false positives and hostile input.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createMasker } from "../../../src/log.js";
import { scanDiffForSecrets, scanTextForSecrets, type SecretFinding } from "../../../src/pipeline/secret-scan.js";

// Every token is assembled at run time, so this file holds no literal that push protection (or the scanner) would flag.
const DASHES = "-".repeat(5);
const beginLine = (label: string): string => `${DASHES}BEGIN ${label}${DASHES}`;
const endLine = (label: string): string => `${DASHES}END ${label}${DASHES}`;
const base64 = (text: string): string => Buffer.from(text).toString("base64");
const randomValue = "Zq8v" + "1LmN4pR7tX2wYb9K";

const tokens = {
  github: "ghp_" + "a1B2".repeat(9),
  githubInstallation: "ghs_" + "c3D4".repeat(9),
  githubFineGrained: "github_pat_" + "11AB" + "c3D4_e5F6".repeat(8),
  openai: "sk-" + "a1B2".repeat(12),
  openaiProject: "sk-" + "proj-" + "a1B2c3D4".repeat(6),
  slackToken: "xoxb-" + "1234567890-" + "2345678901-" + "a1B2".repeat(6),
  slackWebhook: "https://hooks.slack.com" + "/services/T1A2/B3C4/" + "a1B2".repeat(6),
  discordWebhook: "https://discord.com/api" + "/webhooks/123456789012345678/" + "a1B2-c3D4_".repeat(6),
  discordBot: Buffer.from("123456789012345678").toString("base64url") + ".Gh7kPq." + "a1B2".repeat(7),
  aws: "AKIA" + "ABCD2345EFGH6789",
  google: "AIza" + "Sy" + "a1B2".repeat(8) + "c",
  stripe: "sk_" + "live_" + "a1B2".repeat(6),
  huggingFace: "hf_" + "a1B2".repeat(9),
  tavily: "tvly-" + "a1B2".repeat(8),
};

const scanLine = (text: string, knownSecrets: string[] = []): SecretFinding[] => scanTextForSecrets("config.ts", text, knownSecrets);
const kindsOf = (findings: SecretFinding[]): string[] => findings.map((finding) => finding.kind);

describe("scanTextForSecrets: token shapes", () => {
  it.each([
    ["GitHub token", tokens.github],
    ["GitHub token", tokens.githubInstallation],
    ["GitHub token", tokens.githubFineGrained],
    ["OpenAI API key", tokens.openai],
    ["OpenAI API key", tokens.openaiProject],
    ["Slack token", tokens.slackToken],
    ["Slack webhook URL", tokens.slackWebhook],
    ["Discord webhook URL", tokens.discordWebhook],
    ["Discord bot token", tokens.discordBot],
    ["AWS access key", tokens.aws],
    ["Google API key", tokens.google],
    ["Stripe live key", tokens.stripe],
    ["Hugging Face token", tokens.huggingFace],
    ["Tavily API key", tokens.tavily],
  ])("finds a %s and reports file, line and kind but never the value", (kind, token) => {
    const findings = scanTextForSecrets("src/settings.ts", `// settings\nconst value = "${token}";\n`);
    expect(findings).toEqual([{ file: "src/settings.ts", line: 2, kind }]);
    expect(JSON.stringify(findings)).not.toContain(token);
  });

  it("finds every token shape that the log masker hides", () => {
    const mask = createMasker();
    const samples = [
      ...Object.values(tokens),
      "https://contoso.webhook.office.com/webhookb2/" + "a1B2-".repeat(8),
      "https://prod-01.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sp=%2Ftriggers&sv=1.0&sig=" + "a1B2".repeat(10),
      "eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "a1B2".repeat(8),
    ];
    for (const sample of samples) {
      if (mask(sample) === sample) continue;
      expect(scanLine(`send(${JSON.stringify(sample)});`), sample.slice(0, 8)).toHaveLength(1);
    }
  });

  it("ignores token-shaped placeholders and ordinary words sharing a prefix", () => {
    expect(scanLine(`const value = "ghp_${"x".repeat(36)}";`)).toEqual([]);
    expect(scanLine(`const value = "${"AKIA" + "IOSFODNN7EXAMPLE"}";`)).toEqual([]);
    expect(scanLine("import { sk-button-primary-large-outline } from './theme';")).toEqual([]);
    expect(scanLine("model = hf_AutoModelForCausalLMWithValueHead")).toEqual([]);
  });
});

describe("scanTextForSecrets: private keys", () => {
  it.each([
    ["private key", beginLine("RSA PRIVATE KEY")],
    ["private key", beginLine("EC PRIVATE KEY")],
    ["private key", beginLine("ENCRYPTED PRIVATE KEY")],
    ["OpenSSH private key", beginLine("OPENSSH PRIVATE KEY")],
    ["private key", `  "private_key": "${beginLine("PRIVATE KEY")}\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n${endLine("PRIVATE KEY")}\\n",`],
    ["private key", `const key = "${DASHES}BEGIN " + "PRIVATE KEY${DASHES}";`],
    ["private key", `const key = "\\u002d\\u002d${DASHES}BEGIN\\nRSA PRIVATE KEY${DASHES}";`],
  ])("finds a %s in %j", (kind, line) => {
    expect(scanLine(line)).toEqual([{ file: "config.ts", line: 1, kind }]);
  });

  it("reports a multi-line key once, at its BEGIN line", () => {
    const body = Buffer.from(Array.from({ length: 144 }, (_, index) => (index * 37) % 256)).toString("base64");
    const text = ["# deploy key", beginLine("RSA PRIVATE KEY"), body.slice(0, 64), body.slice(64, 128), body.slice(128), endLine("RSA PRIVATE KEY"), ""].join("\n");
    expect(scanTextForSecrets("deploy/id_rsa", text)).toEqual([{ file: "deploy/id_rsa", line: 2, kind: "private key" }]);
  });

  it("finds a BEGIN line split across two lines and reports its first line", () => {
    const text = ["const key =", `  "${DASHES}BEGIN RSA " +`, `  "PRIVATE KEY${DASHES}\\n" +`, '  "MIIEpAIBAAKCAQEA";'].join("\n");
    expect(scanTextForSecrets("src/key.ts", text)).toEqual([{ file: "src/key.ts", line: 2, kind: "private key" }]);
  });

  it("finds an OpenSSH key body even without its BEGIN line, but not twice with it", () => {
    const body = base64("openssh-key-v1\0" + "\0\0\0\x04none".repeat(4));
    expect(kindsOf(scanLine(body))).toEqual(["OpenSSH private key (base64-encoded)"]);
    const text = [beginLine("OPENSSH PRIVATE KEY"), body, endLine("OPENSSH PRIVATE KEY")].join("\n");
    expect(scanTextForSecrets("id_ed25519", text)).toEqual([{ file: "id_ed25519", line: 1, kind: "OpenSSH private key" }]);
  });
});

describe("scanTextForSecrets: base64-encoded secrets", () => {
  it("decodes base64 runs at any alignment and in either alphabet", () => {
    expect(kindsOf(scanLine(`blob: ${base64(`token ${tokens.github}`)}`))).toEqual(["GitHub token (base64-encoded)"]);
    expect(kindsOf(scanLine(`blob: data/${base64(`token ${tokens.github}`)}`))).toEqual(["GitHub token (base64-encoded)"]);
    expect(kindsOf(scanLine(`blob: ${Buffer.from(`key ${tokens.openai}`).toString("base64url")}`))).toEqual(["OpenAI API key (base64-encoded)"]);
    expect(kindsOf(scanLine(`blob: ${base64(`${beginLine("RSA PRIVATE KEY")}\nMIIEpAIBAAKCAQEA`)}`))).toEqual(["private key (base64-encoded)"]);
  });

  it("finds a base64-encoded token in a Kubernetes secret", () => {
    expect(scanLine(`  token: ${base64(tokens.slackToken)}`)).toHaveLength(1);
  });
});

describe("scanTextForSecrets: high-entropy assignments", () => {
  it.each([
    `API_KEY=${randomValue}`,
    `export AUTH_TOKEN="${randomValue}"`,
    `  "client_secret": "${randomValue}",`,
    `db_password: ${randomValue}`,
    `const apiKey = '${randomValue}';`,
    `$config['credentials'] => '${randomValue}',`,
    `Authorization: Bearer ${randomValue}`,
    `https://api.example.net/v1?access_token=${randomValue}&page=2`,
  ])("finds %s", (line) => {
    expect(kindsOf(scanLine(line))).toEqual(["high-entropy value assigned to a secret-like name"]);
  });

  it.each([
    "API_KEY=xxxxxxxxxxxxxxxxxxxxxxxx",
    "token: changeme-changeme-changeme",
    "SECRET=${SECRET_FROM_VAULT}",
    'apiKey: "<your-token-goes-here>"',
    "password = process.env.DB_PASSWORD_FOR_PRODUCTION",
    'password: "",',
    "SECRET_KEY=aaaaaaaaaaaaaaaa1111",
    `aws_secret_access_key = ${"wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"}`,
    `publicKey: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"`,
    'keyId: "a1b2c3d4e5f6a7b8c9d0"',
    'tokenUrl: "https://oauth2.googleapis.com/token"',
    'keyFile: "/etc/ssl/private/server-2024.key"',
    'secretName: "prod-db-password-2024"',
    `value = "${randomValue}"`,
  ])("ignores %s", (line) => {
    expect(scanLine(line)).toEqual([]);
  });
});

describe("scanTextForSecrets: this app's own secrets", () => {
  const secret = "my-own-webhook-secret";

  it("finds a known secret anywhere in a line, JSON-escaped or URL-encoded", () => {
    expect(kindsOf(scanLine(`const s = 'prefix${secret}suffix';`, [secret]))).toEqual(["this app's own secret"]);
    const quoted = 'pa"ss\\word-1234';
    expect(kindsOf(scanLine(JSON.stringify({ note: quoted }), [quoted]))).toEqual(["this app's own secret"]);
    const spaced = "two words & more";
    expect(kindsOf(scanLine(`https://x.test/?q=${encodeURIComponent(spaced)}`, [spaced]))).toEqual(["this app's own secret"]);
  });

  it("finds a known secret base64-encoded at every alignment, even in a short run", () => {
    for (const prefix of ["", "x", "xy", "xyz"]) {
      const encoded = base64(`${prefix}${secret}!tail`);
      expect(kindsOf(scanLine(`blob: ${encoded}`, [secret])), prefix).toEqual(["this app's own secret (base64-encoded)"]);
    }
    expect(kindsOf(scanLine(`short: ${base64("pw12345678")}`, ["pw12345678"]))).toEqual(["this app's own secret (base64-encoded)"]);
  });

  it("ignores known values shorter than 8 characters", () => {
    expect(scanLine("const x = 'abc1234';", ["abc1234"])).toEqual([]);
  });
});

describe("scanDiffForSecrets", () => {
  it("reports the new-file line number across hunks and files, ignoring removed and context lines", () => {
    const diff = [
      "diff --git a/src/config.ts b/src/config.ts",
      "index 1111111..2222222 100644",
      "--- a/src/config.ts",
      "+++ b/src/config.ts",
      "@@ -1,4 +1,5 @@",
      ' import x from "y";',
      `-const old = "${tokens.aws}";`,
      "+const a = 2;",
      `+const value = "${tokens.github}";`,
      ` const context = "${tokens.stripe}";`,
      " export { a };",
      "@@ -40,4 +41,5 @@ function f() {",
      "   one();",
      "-  two();",
      "+  two(2);",
      `+  three("${tokens.openai}");`,
      "   four();",
      " }",
      "diff --git a/.env b/.env",
      "new file mode 100644",
      "index 0000000..3333333",
      "--- /dev/null",
      "+++ b/.env",
      "@@ -0,0 +1,3 @@",
      "+NODE_ENV=production",
      "+PORT=3000",
      `+SLACK_URL=${tokens.slackWebhook}`,
      "",
    ].join("\n");
    expect(scanDiffForSecrets(diff)).toEqual([
      { file: "src/config.ts", line: 3, kind: "GitHub token" },
      { file: "src/config.ts", line: 43, kind: "OpenAI API key" },
      { file: ".env", line: 3, kind: "Slack webhook URL" },
    ]);
    expect(scanDiffForSecrets(diff.replaceAll("\n", "\r\n"))).toEqual(scanDiffForSecrets(diff));
  });

  it("scans every line of a new file and reports a multi-line key at its BEGIN line", () => {
    const body = base64("openssh-key-v1\0" + "\0\0\0\x04none".repeat(8));
    const diff = [
      "diff --git a/deploy/key b/deploy/key",
      "new file mode 100600",
      "--- /dev/null",
      "+++ b/deploy/key",
      "@@ -0,0 +1,5 @@",
      "+# deploy key",
      `+${beginLine("OPENSSH PRIVATE KEY")}`,
      `+${body.slice(0, 70)}`,
      `+${body.slice(70)}`,
      `+${endLine("OPENSSH PRIVATE KEY")}`,
    ].join("\n");
    expect(scanDiffForSecrets(diff)).toEqual([{ file: "deploy/key", line: 2, kind: "OpenSSH private key" }]);
  });

  it("joins added lines around a removed line when looking for a split BEGIN line", () => {
    const diff = ["--- a/k.ts", "+++ b/k.ts", "@@ -1,1 +1,2 @@", `+const key = "${DASHES}BEGIN RSA " +`, "-const key = null;", `+  "PRIVATE KEY${DASHES}";`].join("\n");
    expect(scanDiffForSecrets(diff)).toEqual([{ file: "k.ts", line: 1, kind: "private key" }]);
  });

  it("treats added lines that look like headers as content", () => {
    const diff = ["--- a/notes.md", "+++ b/notes.md", "@@ -1,1 +1,4 @@", " first", "+++ counter", "+--- rule", `+token ${tokens.huggingFace}`].join("\n");
    expect(scanDiffForSecrets(diff)).toEqual([{ file: "notes.md", line: 4, kind: "Hugging Face token" }]);
  });

  it("scans binary-ish lines that --text prints", () => {
    const binary = Array.from({ length: 4000 }, (_, index) => String.fromCharCode((index * 7919 + 13) % 256)).join("");
    const lines = binary.split("\n").map((line) => `+${line}`);
    const diff = (extra: string[]): string =>
      ["diff --git a/logo.png b/logo.png", "new file mode 100644", "--- /dev/null", "+++ b/logo.png", `@@ -0,0 +1,${lines.length + extra.length} @@`, ...lines, ...extra].join("\n");
    expect(scanDiffForSecrets(diff([]))).toEqual([]);
    const withToken = scanDiffForSecrets(diff([`+\u0000\u0089PNG\r\u0000\uFFFD${tokens.github}\u0000\u0007`]));
    expect(withToken).toEqual([{ file: "logo.png", line: lines.length + 1, kind: "GitHub token" }]);
  });

  it("reads quoted and space-containing paths and skips deleted files", () => {
    const quoted = ['--- /dev/null', '+++ "b/caf\\303\\251 \\"menu\\".txt"', "@@ -0,0 +1 @@", `+${tokens.tavily}`].join("\n");
    expect(scanDiffForSecrets(quoted)).toEqual([{ file: 'café "menu".txt', line: 1, kind: "Tavily API key" }]);
    const spaced = ["--- /dev/null", "+++ b/my notes.txt\t", "@@ -0,0 +1 @@", `+${tokens.tavily}`].join("\n");
    expect(scanDiffForSecrets(spaced)).toEqual([{ file: "my notes.txt", line: 1, kind: "Tavily API key" }]);
    const deleted = ["--- a/old.txt", "+++ /dev/null", "@@ -1 +0,0 @@", `-${tokens.tavily}`].join("\n");
    expect(scanDiffForSecrets(deleted)).toEqual([]);
  });

  it("passes known secrets through and handles a missing newline marker", () => {
    const diff = ["--- a/a.txt", "+++ b/a.txt", "@@ -1 +1 @@", "-old", "\\ No newline at end of file", "+uses my-own-webhook-secret", "\\ No newline at end of file"].join("\n");
    expect(scanDiffForSecrets(diff, ["my-own-webhook-secret"])).toEqual([{ file: "a.txt", line: 1, kind: "this app's own secret" }]);
  });
});

describe("false positives", () => {
  it("passes typical source, lock files and stylesheets", () => {
    const ordinary = [
      '"integrity": "sha512-JInaHOamG8pt5+Ey8kGmdcAcg3OL9reK8ltczgHTAwNhMys/6ThXHityHxVV2p3fkw/c+MAvBHFVYHFZDmjMCQ==",',
      '"resolved": "https://registry.npmjs.org/zod/-/zod-4.1.12.tgz",',
      '"gitHead": "3f786850e387550fdab836ed7e6dc881de23001b",',
      "commit 3f786850e387550fdab836ed7e6dc881de23001b",
      'const requestId = "123e4567-e89b-12d3-a456-426614174000";',
      "const apiKey = process.env.OPENAI_API_KEY;",
      'password: "",',
      ".css-1x2y3z4{display:flex}.sc-bdVaJa{color:#0f172a}.jsx-2468013579 .tw-bg-slate-900{margin:0}.a1b2c3d4e5f6g7h8i9j0k1l2m3{}",
      "const tokenCount = countTokens(text); // token bucket refill",
      "headers: { authorization: `Bearer ${token}` },",
      'const secretKey = options.secretKey ?? "";',
      "api_key: ${{ secrets.OPENAI_API_KEY }}",
      "const { data } = await octokit.rest.apps.createInstallationAccessToken({ installation_id });",
      "const keyframes = 'fade-in-out-slowly-2024';",
      '"author": "Jane Doe <jane@example.com>",',
      "git clone https://github.com/octokit/webhooks.git",
      "DATABASE_URL=postgres://user:password@localhost:5432/app",
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGt2b2xrZXktZm9yLXRlc3RzLW9ubHktMTIzNDU2 dev@laptop",
    ].join("\n");
    expect(scanTextForSecrets("mixed.txt", ordinary)).toEqual([]);
  });

  it("passes this repository's own source and this test file", () => {
    const root = fileURLToPath(new URL("../../../", import.meta.url));
    const sources = readdirSync(`${root}src`, { recursive: true, encoding: "utf8" }).filter((path) => path.endsWith(".ts"));
    expect(sources.length).toBeGreaterThan(10);
    for (const path of sources) expect(scanTextForSecrets(path, readFileSync(`${root}src/${path}`, "utf8")), path).toEqual([]);
    expect(scanTextForSecrets("this test", readFileSync(fileURLToPath(import.meta.url), "utf8"))).toEqual([]);
  });
});

describe("hostile input", () => {
  // No wall-clock assertion: a super-linear expression would hang here and hit the test timeout.
  const hostile: Record<string, string> = {
    "split BEGIN": "-----BEGIN " + "A ".repeat(100_000),
    "repeated BEGIN": `${DASHES}BEGIN`.repeat(20_000),
    dashes: "-".repeat(200_000),
    "a=": "a=".repeat(100_000),
    "token: ": "token: ".repeat(30_000),
    "key=quote": 'key="'.repeat(40_000),
    "long name": "secret_".repeat(30_000) + "=x",
    "base64 zeros": "A".repeat(200_000),
    "base64 text": "Zq8v1LmN4pR7tX2w".repeat(12_500),
    "escaped newlines": "\\n".repeat(100_000),
    "sk- run": "sk-".repeat(70_000),
    "ghp_ run": "ghp_".repeat(50_000),
    "https:// run": "https://".repeat(25_000),
    "logic apps run": "https://a.logic.azure.com".repeat(8_000),
    "JWT-like": "eyJaaaaaaaa.".repeat(17_000),
    "Discord-like": `M${"a".repeat(23)}.`.repeat(8_000),
    "URL credentials": "://a:".repeat(40_000),
    "webhook digits": "discord.com/api/webhooks/" + "1".repeat(200_000),
    "control characters": "\u0000\uFFFD".repeat(100_000),
  };

  it.each(Object.entries(hostile))("returns on ~200 KB of %s", (_name, text) => {
    expect(scanTextForSecrets("hostile.txt", text)).toEqual([]);
    expect(scanDiffForSecrets(`--- /dev/null\n+++ b/hostile.txt\n@@ -0,0 +1,2 @@\n+${text}\n+${text}`)).toEqual([]);
  });

  it("still finds a token after ~200 KB of hostile text on the same line", () => {
    const text = "a=".repeat(50_000) + "A".repeat(100_000) + ` ${tokens.github}`;
    expect(scanTextForSecrets("hostile.txt", text)).toEqual([{ file: "hostile.txt", line: 1, kind: "GitHub token" }]);
  });
});
