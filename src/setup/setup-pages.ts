// The setup pages: register the App from its manifest, import an existing App, and "done, restart".
import { escapeHtml } from "../dashboard/page.js";

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
main{max-width:40rem;margin:3rem auto;padding:2rem;background:#fff;border:1px solid #d0d7de;border-radius:6px}
h1{font-size:1.5rem;margin-top:0}label{display:block;margin-top:1rem;font-weight:600}
input{width:100%;box-sizing:border-box;font:inherit;padding:.35rem}
button{font:inherit;padding:.4rem 1rem;cursor:pointer;margin-top:1rem}code{font-size:13px}.off{color:#6e7781}.warn{color:#9a6700}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head><body><main>
${body}
</main></body></html>`;
}

export interface SetupPageInput {
  name: string;
  description: string;
  version: string;
  /** GitHub's "new App" form, with the state that GitHub hands back to /probot/setup. */
  createAppUrl: string;
  /** The manifest as JSON: escaped here, since an apostrophe or quote in app.yml must reach GitHub intact. */
  manifest: string;
  webhookUrl: string;
  /** Said next to the webhook URL, e.g. that GitHub cannot reach it. */
  webhookWarning?: string;
}

export function renderSetupPage(input: SetupPageInput): string {
  return page(
    `Set up ${input.name}`,
    `<h1>🐍 ${escapeHtml(input.name)} <span class="off">v${escapeHtml(input.version)}</span></h1>
<p>${escapeHtml(input.description)}</p>
<p>No GitHub App is configured yet. Register one on GitHub from <code>app.yml</code>: GitHub then sends you back
here, and its ID, private key and webhook secret are written to <code>.env</code> (readable by you only).</p>
<p>Webhooks will be delivered to <code>${escapeHtml(input.webhookUrl)}</code>.${
      input.webhookWarning ? ` <strong class="warn">${escapeHtml(input.webhookWarning)}</strong>` : ""
    }</p>
<form action="${escapeHtml(input.createAppUrl)}" method="post">
<button type="submit" name="manifest" id="manifest" value="${escapeHtml(input.manifest)}">Register GitHub App</button>
</form>
<p><a href="/probot/import">or use an existing GitHub App</a></p>`,
  );
}

export function renderImportPage(input: { name: string; appsUrl: string; webhookUrl: string }): string {
  return page(
    `Import a GitHub App into ${input.name}`,
    `<h1>Use an existing GitHub App</h1>
<p>1. In <a href="${escapeHtml(input.appsUrl)}" rel="noreferrer">the App's settings</a>, set its webhook URL to
<code>${escapeHtml(input.webhookUrl)}</code>.</p>
<p>2. Copy its details here; they are written to <code>.env</code> (readable by you only).</p>
<form id="import">
<label for="appId">App ID</label><input id="appId" name="appId" required inputmode="numeric" pattern="[0-9]+">
<label for="secret">Webhook secret</label><input id="secret" name="secret" type="password" required>
<label for="pem">Private key (.pem file)</label><input id="pem" name="pem" type="file" accept=".pem" required>
<button type="submit">Save</button>
</form>
<p id="result" role="status"></p>
<script>
document.getElementById("import").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const pem = await form.pem.files[0].text();
  // JSON, not a form post: the server refuses anything else, so no other site can submit this form for you.
  const response = await fetch("/probot/import", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ appId: form.appId.value, pem, webhook_secret: form.secret.value }),
  });
  if (response.ok) location.assign("/probot/success");
  else document.getElementById("result").textContent = (await response.json()).message;
});
</script>`,
  );
}

export function renderMessagePage(input: { title: string; message: string; link?: { href: string; text: string } }): string {
  const link = input.link ? `<p><a href="${escapeHtml(input.link.href)}">${escapeHtml(input.link.text)}</a></p>` : "";
  return page(input.title, `<h1>${escapeHtml(input.title)}</h1>\n<p>${escapeHtml(input.message)}</p>${link}`);
}
