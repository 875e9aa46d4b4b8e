// Run as a child process by google-calendar-skill.test.ts: is googleapis loaded after construction, and after first use?
import { createRequire } from "node:module";
import { sep } from "node:path";
import pino from "pino";
import { GoogleCalendarSkill } from "../../../../src/skills/google-calendar/google-calendar-skill.js";

// googleapis is CommonJS: however it is first imported, its files land in the CommonJS module cache.
const require = createRequire(import.meta.url);
const loaded = () => Object.keys(require.cache).some((path) => path.includes(`${sep}node_modules${sep}googleapis${sep}`));

const [credentialsPath = "", tokenPath = "", rootUrl = ""] = process.argv.slice(2);
const log = pino({ level: "silent" });
const skill = new GoogleCalendarSkill({ enabled: true, credentialsPath, tokenPath, rootUrl, log });
const constructed = loaded();
await new GoogleCalendarSkill({ enabled: false, credentialsPath, tokenPath, log }).checkConnection();
const notConfigured = loaded();
const events = await skill.readAgenda({ from: new Date("2030-01-15T08:00:00Z") });
process.stdout.write(JSON.stringify({ constructed, notConfigured, afterAgenda: loaded(), events: events.length }));
