// A stock Probot 14 server whose issues.labeled handler does nothing: the ingest benchmark's baseline.
import { generateKeyPairSync } from "node:crypto";
import { getTransformStream } from "@probot/pino";
import { pino } from "pino";
import { Probot, Server } from "probot";

const port = Number(process.env.PORT ?? 3000);
const secret = process.env.WEBHOOK_SECRET ?? "development";
const level = process.env.LOG_LEVEL ?? "warn";

// A throwaway App key: nothing is ever signed with it, since the handler makes no API call.
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "pkcs1", format: "pem" },
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
});

// The logger Probot's own run() builds (probot/lib/helpers/get-log.js), in JSON format.
const transform = await getTransformStream({ logFormat: "json" });
// SonicBoom writes like a Node stream but is not typed as one.
transform.pipe(pino.destination(1) as unknown as NodeJS.WritableStream);
const log = pino({ level, name: "probot", messageKey: "msg" }, transform);

const server = new Server({
  host: "127.0.0.1",
  port,
  log,
  Probot: Probot.defaults({ appId: 1, privateKey, secret, baseUrl: "http://127.0.0.1:1/api/v3", log }),
});
await server.load((app) => {
  app.on("issues.labeled", async () => {});
});
await server.start();

const shutdown = (): void => {
  void server.stop().finally(() => process.exit(0));
};
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
