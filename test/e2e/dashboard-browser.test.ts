/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The dashboard in a real browser: headless Debian Chromium driven by playwright-core, against the real app
// (`venom serve`) with a fake GitHub and a scripted model. Sign-in through the form, a job advancing live over
// Server-Sent Events without a reload, its run page, Retry and Cancel by clicking, a hostile issue title shown as
// text, no CSP violation, and a phone-width layout. Screenshots go to test-results/dashboard-browser/ (gitignored);
// VENOM_UPDATE_SCREENSHOT=1 also writes the README's docs/dashboard.png.
//
// Needs /usr/bin/chromium (Debian's `chromium` package; `.ci/run` installs it). Without it the file skips with a
// message, unless VENOM_REQUIRE_CHROMIUM=1 (CI), where it fails.
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { labeledIssuePayload } from "../fixtures/webhooks.js";
import { FakeGitHub } from "../support/fake-github.js";
import { FakeLlm } from "../support/fake-llm.js";
import { policy } from "../support/llm-policy.js";
import { deliver } from "../support/signed-delivery.js";
import { startVenom, testPrivateKey, waitFor, type VenomProcess } from "../support/venom-process.js";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.VENOM_REQUIRE_CHROMIUM === "1") {
  throw new Error(`${CHROMIUM} is missing and VENOM_REQUIRE_CHROMIUM=1: install Debian's chromium package (apt-get install chromium).`);
}
if (!hasChromium) console.warn(`SKIPPED dashboard browser tests: ${CHROMIUM} is missing (apt-get install chromium; VENOM_REQUIRE_CHROMIUM=1 makes this a failure).`);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const artifacts = path.join(root, "test-results", "dashboard-browser");
const secret = "browser-test-webhook-secret";
const token = "browser-dashboard-token-0123456789";
const repo = "octo/dash";
const files = {
  "calc.js": "function add(a, b) {\n  return a - b;\n}\n\nmodule.exports = { add };\n",
  "test.sh": "node -e \"const c=require('./calc.js'); if (c.add(2,3)!==5) { console.error('add(2,3) should be 5'); process.exit(1) }\"\n",
  ".github/venom.yml": "checks:\n  - sh test.sh\nmax_iterations: 4\n",
};
const fix = { name: "str_replace", arguments: { path: "calc.js", old_str: "return a - b;", new_str: "return a + b;" } };
const XSS_TITLE = `[xss] <img src=x onerror="window.__pwned=1"> <script>window.__pwned=1</script> add() subtracts`;

let github: FakeGitHub;
let llm: FakeLlm;
let venom: VenomProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let xssIssue = 0;
const cspViolations: string[] = [];
const consoleErrors: string[] = [];

async function watch(target: Page): Promise<void> {
  // Runs before the page's own scripts (through the DevTools protocol, not subject to the page's CSP).
  await target.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const seen = ((window as unknown as { __csp?: string[] }).__csp ??= []);
      seen.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  target.on("console", (message) => {
    if (/Content.Security.Policy|Refused to/i.test(message.text())) cspViolations.push(message.text());
    // A 401 is the sign-in page's own status; anything else logged as an error counts.
    if (message.type() === "error" && !/status of 401/.test(message.text())) consoleErrors.push(message.text());
  });
  target.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));
}

function newIssue(title: string): number {
  return github.addIssue(repo, { title, body: "add(2,3) returns -1", labels: ["venom"] }).number;
}

async function label(issue: number, title: string): Promise<void> {
  const payload = labeledIssuePayload({ repo, issue, title, body: "add(2,3) returns -1" });
  expect((await deliver(venom.url, "issues", payload, { secret })).status).toBe(202);
}

/** The jobs table's row for this issue (the newest job of it). */
function row(issue: number) {
  return page.locator("#jobs tbody tr", { has: page.locator(`a:text-is("${repo}#${issue}")`) }).first();
}

async function shot(target: Page, name: string): Promise<void> {
  await target.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

describe.skipIf(!hasChromium)("dashboard in headless Chromium", () => {
  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    [github, llm] = await Promise.all([FakeGitHub.start(), FakeLlm.start()]);
    await github.createRepo(repo, { files });
    llm.whenExhausted(
      policy({
        // The first Coder answer waits, so the row is seen queued/running before it succeeds.
        happy: { file: "calc.js", coder: [fix, { name: "run_checks", arguments: {} }], firstCoderDelayMs: 1_500 },
        xss: { file: "calc.js", coder: [fix] },
        endless: { file: "calc.js", coder: [], neverFinish: true },
        slow: { file: "calc.js", coder: [fix], firstCoderDelayMs: 60_000 },
      }),
    );
    venom = await startVenom({
      env: {
        APP_ID: "1",
        PRIVATE_KEY: testPrivateKey(),
        WEBHOOK_SECRET: secret,
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
        OPENAI_BASE_URL: llm.baseUrl,
        OPENAI_API_KEY: "sk-test-browser-abcdefghijklmnopqrstuvwxyz",
        VENOM_MODEL: "fake-model",
        VENOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "venom-browser-")),
        VENOM_DASHBOARD_TOKEN: token,
        VENOM_WORKERS: "2",
        ENABLE_ISSUE_POLLING: "true",
        ISSUE_POLLING_INTERVAL_MINUTES: "60",
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await watch(page);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await venom?.stop();
    await Promise.all([github?.stop(), llm?.stop()]);
  });

  afterEach(async (testContext) => {
    if (testContext.task.result?.state !== "fail" || !page) return;
    // What the browser showed and what the app said, for the failing test.
    const name = testContext.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
    await page.screenshot({ path: path.join(artifacts, `FAILED-${name}.png`), fullPage: true }).catch(() => undefined);
    console.log(`Page ${page.url()} text:\n${(await page.locator("body").innerText().catch(() => "")).slice(0, 3_000)}`);
    console.log(`App output (last 40 lines):\n${venom.output.slice(-40).join("\n").slice(-6_000)}`);
  });

  it("signs in through the form (HttpOnly cookie) and shows the overview", async () => {
    await page.goto(`${venom.url}/venom`);
    expect(await page.locator("h1").textContent()).toBe("Sign in");
    await page.getByLabel("Dashboard token").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForSelector("h1:text('External Integrations')");
    const cookies = await context.cookies();
    expect(cookies.find((cookie) => cookie.name === "venom_session")).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    expect(await page.locator("h1").count()).toBe(1);
    for (const heading of ["Integrations", "Polling", "Traffic", "Jobs"]) await page.getByRole("heading", { name: heading, level: 2 }).waitFor();
    const integrations = await page.locator("#integrations tbody").textContent();
    expect(integrations).toContain("github");
    expect(integrations).not.toContain("sk-test-browser");
    // Polling paused and resumed by clicking; the state is written in words.
    await page.getByRole("button", { name: "Pause polling" }).click();
    await page.waitForSelector("#poller-state:text('Polling is paused')");
    await page.getByRole("button", { name: "Resume polling" }).click();
    await page.waitForSelector("#poller-state:text('Polling is on')");
    // An integration probed again by its Test button.
    await page.getByRole("button", { name: "Test llm" }).click();
    await page.waitForSelector("#action-message:text('llm:')");
  });

  it("shows a labelled issue's job go queued → running → succeeded live, without a reload, with its PR link", async () => {
    // A marker a reload would wipe, and every navigation counted.
    await page.evaluate(() => ((window as unknown as { __marker?: number }).__marker = 42));
    let navigations = 0;
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) navigations += 1;
    });
    // Records every state each row showed, as the page changed.
    await page.evaluate(() => {
      const seen: Record<string, string[]> = {};
      (window as unknown as { __states: typeof seen }).__states = seen;
      const record = () => {
        for (const tr of document.querySelectorAll("#jobs tbody tr")) {
          const issue = tr.querySelector('td[data-label="Issue"]')?.textContent ?? "";
          const state = tr.getAttribute("data-state") ?? "";
          const list = (seen[issue] ??= []);
          if (list[list.length - 1] !== state) list.push(state);
        }
      };
      record();
      const body = document.querySelector("#jobs tbody");
      if (!body) throw new Error("no jobs table");
      new MutationObserver(record).observe(body, { childList: true, subtree: true, attributes: true });
    });
    const issue = newIssue("[happy] add() subtracts");
    await label(issue, "[happy] add() subtracts");
    // The hostile title runs beside it (two workers); its test looks at it later.
    xssIssue = newIssue(XSS_TITLE);
    await label(xssIssue, XSS_TITLE);
    await row(issue).waitFor({ timeout: 10_000 });
    await page.waitForFunction((name) => ((window as unknown as { __states: Record<string, string[]> }).__states[name] ?? []).includes("running"), `${repo}#${issue}`, { timeout: 20_000 });
    await shot(page, "overview-running");
    await row(issue).locator('td[data-label="State"]:has-text("succeeded")').waitFor({ timeout: 40_000 });
    const pr = row(issue).locator("a[data-pr-link]");
    await pr.waitFor();
    expect(await pr.getAttribute("href")).toMatch(new RegExp(`/${repo}/pull/\\d+$`));
    const states = await page.evaluate((name) => (window as unknown as { __states: Record<string, string[]> }).__states[name], `${repo}#${issue}`);
    expect(states?.[states.length - 1]).toBe("succeeded");
    expect(states).toContain("running");
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(42);
    expect(navigations).toBe(0);
    expect(await row(issue).locator('td[data-label="Trigger"]').textContent()).toContain("label");
    expect(await row(issue).locator('td[data-label="Checks"]').textContent()).toBe("passed");
    expect(await row(issue).locator('td[data-label="Tokens · cost"]').textContent()).toMatch(/\d+ tokens/);
    await shot(page, "overview-succeeded");
    if (process.env.VENOM_UPDATE_SCREENSHOT === "1") {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(root, "docs", "dashboard.png") });
    }

    // Its run page: steps with times, the plan, the tool calls in order, the checks, the PR and status comment links.
    await row(issue).locator('td[data-label="Job"] a').click();
    await page.waitForSelector("#h-plan");
    expect(await page.locator("h1").count()).toBe(1);
    expect(await page.locator("#run-state").textContent()).toBe("succeeded");
    const steps = await page.locator("#run-steps li.step strong").allTextContents();
    expect(steps).toEqual(["intake", "workspace", "plan", "code", "commit", "pull_request", "notify"]);
    expect(await page.locator("#run-steps time").count()).toBeGreaterThan(steps.length);
    expect(await page.locator("#run-plan").textContent()).toContain("Fix calc.js for happy.");
    const calls = await page.locator("#run-tools > li strong").allTextContents();
    expect(calls).toContain("architect · submit_plan");
    expect(calls.indexOf("coder · str_replace")).toBeGreaterThan(calls.indexOf("architect · submit_plan"));
    expect(await page.locator("#run-tools").textContent()).toContain("return a + b;");
    expect(await page.locator("#run-checks-output").textContent()).toContain("passed");
    expect(await page.locator("#run-pr").getAttribute("href")).toMatch(/\/pull\/\d+$/);
    expect(await page.locator("#run-comment").getAttribute("href")).toMatch(/#issuecomment-\d+$/);
    await shot(page, "run-page");
  }, 60_000);

  it("retries a failed job and cancels a running one by clicking, each in the run's actions log", async () => {
    await page.goto(`${venom.url}/venom`);
    const failing = newIssue("[endless] the model never finishes");
    await label(failing, "[endless] the model never finishes");
    const slow = newIssue("[slow] a long model call");
    await label(slow, "[slow] a long model call");
    await row(failing).locator('td[data-label="State"]:has-text("failed")').waitFor({ timeout: 40_000 });
    expect(await row(failing).locator('td[data-label="Failure"]').textContent()).toMatch(/did not finish/);
    await row(failing).getByRole("button", { name: `Retry ${repo}#${failing}` }).click();
    await page.waitForSelector(`#action-message:text("Retry queued for ${repo}#${failing}")`);
    // The job runs again with the trigger `retry`, live in its row.
    await row(failing).locator('td[data-label="Trigger"]:has-text("retry")').waitFor({ timeout: 10_000 });

    // Running, and past planning: the model's slow answer is being waited for.
    await page
      .locator('#jobs tbody tr[data-state="running"]', { has: page.locator(`a:text-is("${repo}#${slow}")`) })
      .locator('td[data-label="Step"]:has-text("cod")')
      .waitFor({ timeout: 30_000 });
    await row(slow).getByRole("button", { name: `Cancel ${repo}#${slow}` }).click();
    await page.waitForSelector(`#action-message:text("Asked ${repo}#${slow} to stop.")`);
    await row(slow).locator('td[data-label="State"]:has-text("cancelled")').waitFor({ timeout: 15_000 });
    await shot(page, "overview-retry-cancel");

    // The run page says who did what.
    await row(slow).locator('td[data-label="Job"] a').click();
    await page.waitForSelector("#run-actions");
    expect(await page.locator("#run-actions").textContent()).toMatch(/cancel by dashboard/);
    expect(await page.locator("#run-state").textContent()).toBe("cancelled");
    // The retried job settles too (it fails again: the model still never finishes).
    await page.goto(`${venom.url}/venom?state=failed`);
    await waitFor(async () => (await page.locator("#jobs tbody tr").count()) >= 1, 40_000, "the failed filter");
  }, 60_000);

  it("renders an issue title carrying HTML and script as text", async () => {
    const issue = xssIssue;
    await page.goto(`${venom.url}/venom`);
    await row(issue).locator('td[data-label="State"]:has-text("succeeded")').waitFor({ timeout: 40_000 });
    await row(issue).locator('td[data-label="Job"] a').click();
    await page.waitForSelector("#run-title");
    const title = await page.locator("#run-title").textContent();
    expect(title).toContain('<img src=x onerror="window.__pwned=1">');
    expect(title).toContain("<script>window.__pwned=1</script>");
    await page.getByText("<script>window.__pwned=1</script>", { exact: false }).first().waitFor({ state: "visible" });
    expect(await page.locator("main img").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // Still text after the page's own live refresh redrew it.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await shot(page, "run-page-hostile-title");
  }, 60_000);

  it("fits a phone-width screen: no horizontal page overflow, the jobs table scrolls in its own box", async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, storageState: await context.storageState() });
    const small = await phone.newPage();
    await watch(small);
    await small.goto(`${venom.url}/venom`);
    await small.waitForSelector("#jobs tbody tr");
    const widths = await small.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      body: document.body.scrollWidth,
      viewport: window.innerWidth,
      // What sticks out, to say so when it does (elements inside a scrolling box are fine).
      wide: [...document.querySelectorAll("body *")]
        .filter((node) => node.getBoundingClientRect().right > window.innerWidth + 0.5 && !node.parentElement?.closest(".scroll"))
        .map((node) => `${node.tagName.toLowerCase()}${node.id ? `#${node.id}` : ""}${node.className ? `.${String(node.className)}` : ""} ${Math.round(node.getBoundingClientRect().right)}`)
        .slice(0, 10),
    }));
    expect(widths.wide, "elements wider than the phone's screen").toEqual([]);
    expect(widths.page).toBeLessThanOrEqual(widths.viewport);
    expect(widths.body).toBeLessThanOrEqual(widths.viewport);
    expect(await small.locator("#jobs tbody tr").first().isVisible()).toBe(true);
    await small.getByRole("button", { name: "Queue a run" }).waitFor({ state: "visible" });
    await shot(small, "overview-phone");
    const runLink = small.locator('#jobs td[data-label="Job"] a').first();
    await runLink.click();
    await small.waitForSelector("#h-steps");
    expect(await small.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await shot(small, "run-page-phone");
    await phone.close();
  });

  it("logged no Content-Security-Policy violation, and signs out", async () => {
    const fromPage = await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
    expect([...cspViolations, ...fromPage]).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.goto(`${venom.url}/venom`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForSelector("h1:text('Sign in')");
  });
});
