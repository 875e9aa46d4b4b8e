#!/usr/bin/env node
// Entry point of the `venom` command: loads .env, then runs the CLI.
import { existsSync } from "node:fs";
import { runCli } from "./cli/run-cli.js";

if (existsSync(".env")) process.loadEnvFile(".env");
const code = await runCli(process.argv.slice(2));
process.exit(code);
