// The composition root: builds the service graph from config. The CLI, the server and tests all use it.
import type { Server } from "node:http";
import { Probot, ProbotOctokit } from "probot";
import { createAppFunction } from "./app.js";
import { readConfig, type VenomConfig } from "./config/env.js";
import { createDashboardRoutes } from "./dashboard/api.js";
import { describeConfigured, probe, type IntegrationStatus } from "./dashboard/integrations.js";
import { GitHubClients } from "./github/clients.js";
import { createHealthRoute } from "./http/health.js";
import { createMetrics, createMetricsRoute, type Metrics } from "./http/metrics.js";
import type { RouteHandler } from "./http/respond.js";
import { createHttpServer, listen } from "./http/server.js";
import { DeliveryDispatcher } from "./intake/dispatcher.js";
import { Intake } from "./intake/intake.js";
import { PermissionCache } from "./intake/permissions.js";
import { RepoLabelCache } from "./intake/repo-label.js";
import { Poller } from "./intake/poller.js";
import { createWebhookEndpoint } from "./intake/webhook-endpoint.js";
import { createLogger, createMasker, type Logger } from "./log.js";
import type { DeliveryInbox } from "./queue/inbox.js";
import { openDatabase, SqliteInbox, SqliteJobQueue } from "./queue/sqlite-queue.js";
import type { RedisInbox } from "./queue/redis-inbox.js";
import type { JobQueue } from "./queue/types.js";
import { Worker, type JobHandler } from "./queue/worker.js";
import { createLlmClient, type LlmClient } from "./llm/client.js";
import { createCheckRunner } from "./pipeline/sandbox/create-check-runner.js";
import type { IssueJobDependencies } from "./pipeline/issue-job.js";
import type { Plan as IssueJobPlan } from "./pipeline/agents.js";
import { Notifier } from "./skills/notify/notifier.js";
import { createChannelSenders } from "./skills/notify/senders.js";
import { PlatformSkill } from "./skills/platform.js";
import { Integrator, Orchestrator } from "./pipeline/orchestrator.js";
import { GoogleCalendarSkill } from "./skills/google-calendar/google-calendar-skill.js";
import { hfSearchTool } from "./skills/huggingface/hf-search-tool.js";
import { HuggingFaceSkill } from "./skills/huggingface/hugging-face-skill.js";
import { WebSearchSkill } from "./skills/web-search/web-search-skill.js";
import { webSearchTool } from "./skills/web-search/web-search-tool.js";
import { createGitHubThrottle, withGitHubTraffic } from "./traffic/github-throttle.js";
import { createInboundLimiter, type InboundLimiter } from "./traffic/inbound-limiter.js";
import { createTrafficControl, type TrafficControl } from "./traffic/traffic-control.js";

export interface VenomOptions {
  config?: VenomConfig;
  log?: Logger;
  /** The job handler; defaults to the Issue-to-PR pipeline. */
  handler?: JobHandler;
  /** Attempts per job before a transient failure is final. */
  maxAttempts?: number;
  /** Worker lease length; a job whose worker died is reclaimed after this (or at once on restart). */
  leaseMs?: number;
}

export interface Venom {
  config: VenomConfig;
  log: Logger;
  queue: JobQueue;
  inbox: DeliveryInbox;
  probot: Probot;
  github: GitHubClients;
  intake: Intake;
  dispatcher: DeliveryDispatcher;
  worker: Worker;
  poller: Poller;
  metrics: Metrics;
  llm: LlmClient | undefined;
  notifier: Notifier;
  /** `handleRemoteIssue({repo, issueNumber})`: the whole pipeline for one issue (the seed's Example 1). */
  orchestrator: Orchestrator;
  /** `pollIssues()`, `handleIssue()`, `finalizeIssue()`. */
  integrator: Integrator;
  skills: { platform: PlatformSkill; webSearch: WebSearchSkill; huggingFace: HuggingFaceSkill; calendar: GoogleCalendarSkill };
  /** Outbound limits, breakers, retries, anti-loop and degraded mode. */
  traffic: TrafficControl;
  inbound: InboundLimiter;
  /** Each integration's status (configured, connected, detail masked). */
  checkConnections(): Promise<IntegrationStatus[]>;
  /** Starts the HTTP server (webhooks, health, metrics, dashboard); resolves to the bound port. */
  listen(port?: number, host?: string): Promise<number>;
  /** Starts the in-process worker and, when enabled, the poller. */
  startBackground(options?: { worker?: boolean; poller?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export async function createVenom(options: VenomOptions = {}): Promise<Venom> {
  const config = options.config ?? readConfig();
  const log =
    options.log ?? (await createLogger({ level: config.log.level, format: config.log.format, secrets: config.secrets }));
  const { queue, inbox } = await openQueue(config, log);
  const metrics = createMetrics(queue);
  const traffic = createTrafficControl({ log: log.child({ name: "traffic" }), settings: config.traffic });
  const inbound = createInboundLimiter();
  metrics.onRegistry(async (registry) => {
    const { registerTrafficMetrics } = await import("./traffic/traffic-metrics.js");
    registerTrafficMetrics(registry, traffic, inbound);
  });

  const probot = new Probot({
    // Throttling that waits for primary resets, retries secondary limits, spaces writes per installation,
    // and records each installation's remaining quota.
    Octokit: withGitHubTraffic(ProbotOctokit, {
      throttle: createGitHubThrottle({ log: log.child({ name: "github-throttle" }), traffic }),
      traffic,
    }),
    ...(config.github.mode === "app"
      ? { appId: config.github.appId, privateKey: config.github.privateKey }
      : { githubToken: config.github.token ?? "unconfigured" }),
    ...(config.github.webhookSecret ? { secret: config.github.webhookSecret } : {}),
    baseUrl: config.github.apiBaseUrl,
    log: log.child({ name: "probot" }),
  });
  const github = new GitHubClients(probot, config.github);

  let botLogin: string | undefined;
  const lookupBotLogin = async () => {
    if (botLogin || config.github.mode === "none") return botLogin;
    try {
      botLogin = await github.botLogin();
    } catch (error) {
      log.warn({ err: error }, "Could not look up the app's bot login; assignments are recognised once it is known");
    }
    return botLogin;
  };

  const llm =
    config.llm.apiKey || config.llm.baseUrl
      ? createLlmClient({
          ...(config.llm.apiKey ? { apiKey: config.llm.apiKey } : {}),
          ...(config.llm.baseUrl ? { baseUrl: config.llm.baseUrl } : {}),
          model: config.llm.model,
          log: log.child({ name: "llm" }),
          // The client keeps its own retry loop; the traffic layer limits, counts and breaks.
          fetch: traffic.fetchFor("openai", { retry: false }),
        })
      : undefined;
  const notifier = new Notifier(
    throughTraffic(createChannelSenders(config.integrations), traffic),
    log.child({ name: "notify" }),
  );
  const { integrations } = config;
  const webSearch = new WebSearchSkill({
    ...(integrations.tavilyApiKey ? { tavilyApiKey: integrations.tavilyApiKey } : {}),
    ...(integrations.tavilyBaseUrl ? { tavilyBaseUrl: integrations.tavilyBaseUrl } : {}),
    ...(integrations.ddgUrl ? { ddgUrl: integrations.ddgUrl } : {}),
    fetchFor: (provider) => traffic.fetchFor(provider),
    log: log.child({ name: "web-search" }),
  });
  const huggingFace = new HuggingFaceSkill({
    ...(integrations.hfToken ? { token: integrations.hfToken } : {}),
    ...(integrations.hfEndpoint ? { endpoint: integrations.hfEndpoint } : {}),
    fetch: traffic.fetchFor("huggingface"),
    log: log.child({ name: "huggingface" }),
  });
  const calendar = new GoogleCalendarSkill({
    ...integrations.calendar,
    // googleapis keeps its own retries; the traffic layer limits, counts and breaks.
    fetch: traffic.fetchFor("google", { retry: false }),
    log: log.child({ name: "calendar" }),
  });
  traffic.onDegradedChange((change) => {
    if (change.degraded) {
      log.warn({ until: change.until, reason: change.reason }, "Degraded mode: no new runs start until the cooldown ends");
    } else {
      log.info("Degraded mode ended: runs start again");
    }
    void notifier.send({
      title: change.degraded ? "Venom entered degraded mode" : "Venom left degraded mode",
      message: change.degraded
        ? `${change.reason ?? "traffic cap reached"}; new runs wait until ${change.until ? new Date(change.until).toISOString() : "the cooldown ends"}.`
        : "Runs start again.",
      status: change.degraded ? "failure" : "info",
    });
  });
  const permissions = new PermissionCache();
  const checks = createCheckRunner(config);
  const maxAttempts = options.maxAttempts ?? 3;
  const worker = new Worker({
    queue,
    maxAttempts,
    handler:
      options.handler ??
      lazyIssueJobHandler({
        config,
        github,
        llm,
        checks,
        notifier,
        permissions,
        botLogin: () => lookupBotLogin(),
        architectTools: () => [webSearchTool(webSearch), hfSearchTool(huggingFace)],
        runGuard: traffic,
        approvedPlan: async (repo, issue, currentJobId) => {
          const previous = (await queue.list({ repo, limit: 50 })).find(
            (job) =>
              job.issue === issue && job.id !== currentJobId && job.state === "succeeded" && (job.command === "plan" || job.data.planOnly === true),
          );
          const plan = previous?.data.plan as IssueJobPlan | undefined;
          return plan && typeof plan.summary === "string" && Array.isArray(plan.steps) ? plan : undefined;
        },
        ...(config.integrations.calendar.enabled
          ? { afterPullRequest: async (pull) => void (await calendar.scheduleReview({ repo: pull.repo, prNumber: pull.prNumber, prUrl: pull.prUrl })) }
          : {}),
        maxAttempts,
        log: log.child({ name: "pipeline" }),
      }),
    log: log.child({ name: "worker" }),
    concurrency: config.workers,
    gate: traffic,
    ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
    onFinished: (job) => metrics.countJobFinished(job.state),
  });
  const intake = new Intake({
    queue,
    permissions,
    repoLabels: new RepoLabelCache(),
    settings: () => ({ triggerLabel: config.triggerLabel, botLogin }),
    log: log.child({ name: "intake" }),
    onQueued: () => worker.notify(),
  });
  const dispatcher = new DeliveryDispatcher({
    inbox,
    receive: (event) => probot.receive(event as Parameters<Probot["receive"]>[0]),
    log: log.child({ name: "dispatcher" }),
  });
  await probot.load(createAppFunction({ intake, botLogin: lookupBotLogin, record: (id, outcome) => dispatcher.record(id, outcome) }));

  const poller = new Poller({
    targets: (etags) => github.pollTargets(etags),
    intake,
    settings: async () => ({ triggerLabel: config.triggerLabel, botLogin: await lookupBotLogin() }),
    log: log.child({ name: "poller" }),
  });

  const pipelineDependencies = { config, queue, worker, github, poller, notifier };
  const orchestrator = new Orchestrator(pipelineDependencies);
  const integrator = new Integrator(pipelineDependencies);
  const skills = { platform: new PlatformSkill({ config, github, notifier }), webSearch, huggingFace, calendar };

  const checkConnections = async (): Promise<IntegrationStatus[]> => {
    const githubStatus = await probe(
      "github",
      config.github.mode !== "none",
      "GitHub not configured: set APP_ID and PRIVATE_KEY (App) or GITHUB_TOKEN and GITHUB_REPO_NAME (token mode)",
      async () => {
        const login = await github.botLogin();
        return `${config.github.mode} mode as ${login ?? "unknown"} on ${config.github.apiBaseUrl}`;
      },
    );
    const llm: IntegrationStatus = config.llm.apiKey || config.llm.baseUrl
      ? { name: "llm", configured: true, detail: `model ${config.llm.model} at ${config.llm.baseUrl ?? "https://api.openai.com/v1"}` }
      : { name: "llm", configured: false, detail: "not configured (set OPENAI_API_KEY or OPENAI_BASE_URL)" };
    // Live probes only for what the user configured: an unconfigured skill never reaches the network.
    const skillStatuses = await Promise.all([
      integrations.tavilyApiKey || integrations.ddgUrl
        ? webSearch.checkConnection().then((status) => ({ name: "web-search", ...status }))
        : { name: "web-search", configured: true, detail: "DuckDuckGo, no key needed (set TAVILY_API_KEY for Tavily)" },
      integrations.hfToken || integrations.hfEndpoint
        ? huggingFace.checkConnection().then((status) => ({ name: "huggingface", ...status }))
        : { name: "huggingface", configured: false, detail: "not configured: public search works anonymously; set HF_TOKEN for private repos" },
      calendar.checkConnection().then((status) => ({ name: "google-calendar", ...status })),
    ]);
    // Details are masked here once, for doctor, the dashboard and /venom/api/status alike.
    const mask = createMasker(config.secrets);
    const sandboxStatus: IntegrationStatus = await checks.isolationReport().then((report) => ({
      name: "sandbox",
      configured: report.kind !== "unavailable",
      ...(report.kind === "unavailable" ? { connected: false } : report.kind === "none" ? {} : { connected: true }),
      detail: report.detail,
    }));
    return [githubStatus, llm, sandboxStatus, ...describeConfigured(config), ...skillStatuses].map((status) => ({ ...status, detail: mask(status.detail) }));
  };

  const trafficStatus = () => ({ ...traffic.snapshot(), inbound: inbound.snapshot() });
  const routes: RouteHandler[] = [
    inbound,
    createHealthRoute(() => ({ mode: config.github.mode, activeJobs: worker.activeJobs ?? 0 })),
    createMetricsRoute(metrics),
    createWebhookEndpoint({
      path: config.server.webhookPath,
      inbox,
      verify: config.github.webhookSecret ? (body, signature) => probot.webhooks.verify(body, signature) : undefined,
      dispatch: (delivery) => dispatcher.schedule(delivery),
      limiter: inbound,
      onOutcome: (event, outcome) => metrics.countDelivery(event, outcome),
      log: log.child({ name: "webhooks" }),
    }),
    createDashboardRoutes({
      queue,
      dashboardToken: config.dashboardToken,
      integrations: checkConnections,
      extraEndpoints: { traffic: trafficStatus },
      onRetried: () => worker.notify(),
    }),
  ];
  let server: Server | undefined;
  let pollerStarted = false;

  const venom: Venom = {
    config,
    log,
    queue,
    inbox,
    probot,
    github,
    intake,
    dispatcher,
    worker,
    poller,
    metrics,
    llm,
    notifier,
    orchestrator,
    integrator,
    skills,
    traffic,
    inbound,
    checkConnections,
    async listen(port = config.server.port, host = config.server.host) {
      server = createHttpServer(routes, log.child({ name: "http" }));
      const bound = await listen(server, port, host);
      log.info(`Listening on http://${host ?? "localhost"}:${bound} (webhooks at ${config.server.webhookPath})`);
      // The bot login is looked up when first needed (assignments, the poller): an idle app makes no request.
      // Deliveries accepted before a crash are processed now.
      if (isRedisInbox(inbox)) await inbox.recover();
      const replayed = await dispatcher.replayPending();
      if (replayed > 0) log.info({ replayed }, "Replayed deliveries accepted before the last stop");
      dispatcher.startReplay();
      return bound;
    },
    async startBackground(background = {}) {
      if (background.worker ?? true) worker.start();
      if ((background.poller ?? true) && config.polling.enabled) {
        if (config.github.mode === "none") {
          log.warn("ENABLE_ISSUE_POLLING is on but GitHub is not configured; polling stays off");
        } else {
          await lookupBotLogin();
          poller.start(config.polling.intervalMinutes * 60_000);
          pollerStarted = true;
        }
      }
    },
    async stop() {
      if (server) {
        const closing = new Promise<void>((resolve) => server?.close(() => resolve()));
        server.closeIdleConnections();
        await closing;
      }
      if (pollerStarted) await poller.stop();
      await dispatcher.stop();
      await worker.stop();
      traffic.close();
      await queue.close();
      if (isRedisInbox(inbox)) await inbox.close();
    },
  };
  return venom;
}

/** Every notification goes through the traffic layer: limited, counted, and broken on repeated failures. */
function throughTraffic(
  senders: ReturnType<typeof createChannelSenders>,
  traffic: TrafficControl,
): ReturnType<typeof createChannelSenders> {
  const wrapped: ReturnType<typeof createChannelSenders> = {};
  for (const [channel, sender] of Object.entries(senders) as Array<[keyof typeof senders, NonNullable<(typeof senders)["discord"]>]>) {
    wrapped[channel] = (event) => traffic.run(channel, "post", () => sender(event), { retry: false });
  }
  return wrapped;
}

/** SQLite under VENOM_DATA_DIR by default; Redis (BullMQ) when REDIS_URL is set, for several workers and machines. */
async function openQueue(config: VenomConfig, log: Logger): Promise<{ queue: JobQueue; inbox: DeliveryInbox }> {
  if (config.redisUrl) {
    // Loaded only when used: BullMQ and ioredis are large.
    const [{ BullmqJobQueue }, { RedisInbox }] = await Promise.all([import("./queue/bullmq-queue.js"), import("./queue/redis-inbox.js")]);
    return {
      queue: new BullmqJobQueue({ connection: config.redisUrl, log: log.child({ name: "queue" }) }),
      inbox: new RedisInbox({ connection: config.redisUrl, log: log.child({ name: "inbox" }) }),
    };
  }
  const db = openDatabase(config.dataDir);
  return { queue: new SqliteJobQueue(db, { ownsDb: true }), inbox: new SqliteInbox(db) };
}

/** The Issue-to-PR pipeline (git, tools, the model loop) loads with the first job, not at start-up. */
function lazyIssueJobHandler(dependencies: IssueJobDependencies): JobHandler {
  let handler: Promise<JobHandler> | undefined;
  return async (context) => {
    handler ??= import("./pipeline/issue-job.js").then((module) => module.createIssueJobHandler(dependencies));
    return (await handler)(context);
  };
}

function isRedisInbox(inbox: DeliveryInbox): inbox is RedisInbox {
  return "recover" in inbox && typeof (inbox as Partial<RedisInbox>).recover === "function";
}
