// Run as a child process by senders.test.ts: is any notification client library loaded before and after the first send?
import { createRequire } from "node:module";
import { sep } from "node:path";
import { createChannelSenders } from "../../../../src/skills/notify/senders.js";

// discord.js and @slack/webhook are CommonJS: however they are first imported, every file of theirs lands in the
// CommonJS module cache, which this process starts without (nothing here requires them statically).
const require = createRequire(import.meta.url);
const loaded = (name: string) => Object.keys(require.cache).some((path) => path.includes(`${sep}node_modules${sep}${name}${sep}`));
const snapshot = () => ({ discord: loaded("discord.js") || loaded("@discordjs"), slack: loaded("@slack") });

const [discordWebhookUrl, slackWebhookUrl, teamsWebhookUrl] = process.argv.slice(2);
const senders = createChannelSenders({
  ...(discordWebhookUrl ? { discordWebhookUrl } : {}),
  ...(slackWebhookUrl ? { slackWebhookUrl } : {}),
  ...(teamsWebhookUrl ? { teamsWebhookUrl } : {}),
});
const idle = snapshot();
const event = { title: "Venom test", message: "lazy loading", status: "info" as const };
await senders.teams?.(event);
const afterTeams = snapshot();
await senders.discord?.(event);
await senders.slack?.(event);
process.stdout.write(JSON.stringify({ idle, afterTeams, afterSends: snapshot() }));
