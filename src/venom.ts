// The composition root: builds the service graph from config. The CLI, the server and tests all use it.
import type { Server } from "node:http";
import { Probot, ProbotOctokit } from "probot";
import { createAppFunction } from "./app.js";
import { readConfig, type VenomConfig } from "./config/env.js";
import { createDashboardRoutes } from "./dashboard/api.js";
import { DashboardAuth } from "./dashboard/auth.js";
import { JobEvents } from "./dashboard/job-events.js";
import { StatusCache } from "./dashboard/status-cache.js";
import { withApiVersion } from "./github/api-version.js";
import { collectCiFailures } from "./github/ci-failures.js";
import { CheckEvents } from "./github/head-checks.js";
import { asRequest, GitHubClients, triggerAssignee } from "./github/clients.js";
import { withInstallationTokenRefresh } from "./github/installation-token.js";
import { createHealthRoute } from "./http/health.js";
import { createMetrics, createMetricsRoute, type Metrics } from "./http/metrics.js";
import type { RouteHandler } from "./http/respond.js";
import { createHttpServer, listen } from "./http/server.js";
import { DeliveryDispatcher } from "./intake/dispatcher.js";
import { Intake } from "./intake/intake.js";
import { PermissionCache, type PermissionRequest } from "./github/permissions.js";
import { RepoLabelCache } from "./intake/repo-label.js";
import { Poller } from "./intake/poller.js";
import { createWebhookEndpoint } from "./intake/webhook-endpoint.js";
import { createLogger, createMasker, type Logger } from "./log.js";
import type { DeliveryInbox } from "./queue/inbox.js";
import { InboxPruner } from "./queue/inbox-pruner.js";
import { openDatabase } from "./queue/sqlite-database.js";
import { SqliteInbox } from "./queue/sqlite-inbox.js";
import { SqliteJobQueue } from "./queue/sqlite-queue.js";
import { ObservedJobQueue } from "./queue/observed-queue.js";
import type { RedisInbox } from "./queue/redis-inbox.js";
import type { JobQueue } from "./queue/types.js";
import { Worker, type JobHandler } from "./queue/worker.js";
import { createLlmClientFromConfig, type LlmClient } from "./llm/client.js";
import { createCheckRunner } from "./pipeline/sandbox/create-check-runner.js";
import type { SandboxReport } from "./pipeline/sandbox/types.js";
import type { IssueJobDependencies } from "./pipeline/issue-job.js";
import { RunGuard } from "./pipeline/run-guard.js";
import { lazy } from "./shared/lazy.js";
import { approvedPlanFrom } from "./pipeline/approved-plan.js";
import { ciRoundFrom } from "./pipeline/follow-up/ci-round.js";
import { pendingFeedbackFrom } from "./pipeline/follow-up/pending-feedback.js";
import { previousRunFrom } from "./pipeline/follow-up/previous-run.js";
import { KeptWorkspacePruner } from "./pipeline/follow-up/workspace-pruner.js";
import { Notifier } from "./skills/notify/notifier.js";
import { createChannelSenders } from "./skills/notify/senders.js";
import { throughTraffic } from "./skills/notify/through-traffic.js";
import { createSlackChat } from "./skills/notify/slack-chat.js";
import { SlackRunMessages } from "./pipeline/slack-run-messages.js";
import { savedCheckpoint } from "./pipeline/run-checkpoint.js";
import { ChatActions } from "./intake/chat/chat-actions.js";
import { createSlackActionsRoute } from "./intake/chat/slack-actions-route.js";
import { createTeamsActionsRoute } from "./intake/chat/teams-actions-route.js";
import { ACTIONS_KEY, MAX_ACTIONS } from "./dashboard/job-view.js";
import { PlatformSkill } from "./skills/platform.js";
import { Integrator, Orchestrator } from "./api/orchestrator.js";
import { sandboxIntegration } from "./pipeline/sandbox/sandbox-integration.js";
import { githubIntegration } from "./skills/github-integration.js";
import type { Integration, IntegrationStatus } from "./skills/integration.js";
import { llmIntegration } from "./skills/llm-integration.js";
import { checkConnections, createSkills, integrationTools, pendingStatuses } from "./skills/registry.js";
import type { GoogleCalendarSkill } from "./skills/google-calendar/google-calendar-skill.js";
import type { HuggingFaceSkill } from "./skills/huggingface/hugging-face-skill.js";
import type { WebSearchSkill } from "./skills/web-search/web-search-skill.js";
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
  /** Per probe behind the dashboard's status (default 5 s); doctor waits for every answer. */
  probeTimeoutMs?: number;
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
  /** Each integration's status (configured, connected, detail masked); `timeoutMs` bounds each probe. */
  checkConnections(options?: { timeoutMs?: number }): Promise<IntegrationStatus[]>;
  /** Which isolation runs the repository's code on this host (probed once, then kept). */
  isolationReport(): Promise<SandboxReport>;
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
  const opened = await openQueue(config, log);
  // Every job change made in this process is seen by the dashboard's live events (GET /venom/events).
  const queue = new ObservedJobQueue(opened.queue);
  const inbox = opened.inbox;
  const metrics = createMetrics(queue);
  const traffic = createTrafficControl({ log: log.child({ name: "traffic" }), settings: config.traffic });
  const dashboardAuth = new DashboardAuth({ token: config.dashboardToken });
  // Only a proven identity (the dashboard token, as bearer or signed-in session) picks its own bucket; all else is keyed by address.
  const inbound = createInboundLimiter(config.dashboardToken ? { authenticate: (request) => dashboardAuth.identity(request) } : {});
  metrics.onRegistry(async (registry) => {
    const { registerTrafficMetrics } = await import("./traffic/traffic-metrics.js");
    registerTrafficMetrics(registry, traffic, inbound);
  });

  const probot = new Probot({
    // Throttling that waits for primary resets, retries secondary limits, spaces writes per installation,
    // and records each installation's remaining quota.
    // Installation tokens renewed before they run out, and once more after a 401 (a long run outlives one).
    Octokit: withGitHubTraffic(withInstallationTokenRefresh(withApiVersion(ProbotOctokit), { log: log.child({ name: "github-token" }) }), {
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
      ? createLlmClientFromConfig(config.llm, { log: log.child({ name: "llm" }), traffic })
      : undefined;
  const notifier = new Notifier(
    throughTraffic(createChannelSenders({ ...config.integrations, ...(config.server.publicUrl ? { publicUrl: config.server.publicUrl } : {}) }), traffic),
    log.child({ name: "notify" }),
    // Notifications carry issue titles, model text and checks' output: the app's own secrets never leave in them.
    createMasker(config.secrets),
  );
  // Every skill from the one registry, each request through the traffic layer.
  const skillIntegrations = createSkills({ config, fetch: (provider, fetchOptions) => traffic.fetchFor(provider, fetchOptions), log });
  const calendar = skillIntegrations.calendar.skill;
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
  /** The one list doctor, the status API, the dashboard and the Architect's extra tools iterate. */
  const integrations: Integration[] = [
    githubIntegration(config.github, github),
    llmIntegration(config.llm),
    sandboxIntegration(() => checks.isolationReport()),
    ...Object.values(skillIntegrations),
  ];
  const maxAttempts = options.maxAttempts ?? 3;
  // `checks: ci`: intake's check events wake the run waiting for that commit's CI.
  const checkEvents = new CheckEvents();
  // CI follow-ups read the failing runs: the app's own check runs are not CI to fix; logs are masked of secrets.
  const ciCollector = { appId: config.github.appId, mask: createMasker(config.secrets) };
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
        architectTools: () => integrationTools(integrations),
        runGuard: new RunGuard({ limit: traffic.settings.runsPerIssuePerHour, degraded: traffic, log: log.child({ name: "run-guard" }) }),
        approvedPlan: approvedPlanFrom(queue),
        previousRun: previousRunFrom(queue),
        checkEvents,
        takePendingFeedback: pendingFeedbackFrom(queue),
        ciFailures: async (feedback, where) =>
          (await collectCiFailures(asRequest(await github.forInstallation(where.installationId)), where.repo, feedback.headSha, ciCollector)).failures,
        ciRound: ciRoundFrom({ queue, request: async (installationId) => asRequest(await github.forInstallation(installationId)), collector: ciCollector }),
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
    onFinished: (job) => {
      metrics.countJobFinished(job.state);
      // A job finishes once, so its whole cost (every attempt's) is counted once.
      if (typeof job.data.costUsd === "number") metrics.countCost(job.repo, job.data.costUsd);
      // Review comments that arrived while this job ran start the next round on its PR.
      void intake.followPending(job).catch((error: unknown) => log.warn({ err: error, jobId: job.id }, "Pending follow-ups not queued"));
    },
  });
  // Shared: a label read for a webhook serves the poller too, and the other way round.
  const repoLabels = new RepoLabelCache();
  const intake = new Intake({
    queue,
    permissions,
    repoLabels,
    settings: () => ({
      triggerLabel: config.triggerLabel,
      botLogin,
      assignee: triggerAssignee(config.github, botLogin),
      ...(config.github.appId !== undefined ? { appId: config.github.appId } : {}),
    }),
    log: log.child({ name: "intake" }),
    onQueued: () => worker.notify(),
    // The app's PR merged: the issue's project item moves to "done" (loaded with the pipeline, only when it happens).
    onCheckCompleted: (repo, sha) => checkEvents.notify(repo, sha),
    onMerged: async (merged) =>
      (await import("./pipeline/integrations/merged-pull-request.js")).moveMergedIssue(
        { config, github, botLogin: lookupBotLogin, log: log.child({ name: "project" }) },
        merged,
      ),
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
    settings: async () => ({ triggerLabel: config.triggerLabel, assignee: triggerAssignee(config.github, await lookupBotLogin()) }),
    repoLabel: (repo, request, version) => repoLabels.lookup(request, repo, { version }),
    log: log.child({ name: "poller" }),
    // No CI event reaches a polling app: its pull requests' head commits are polled instead.
    ci: { appId: config.github.appId },
  });

  const pipelineDependencies = { config, queue, worker, github, poller, notifier };
  const orchestrator = new Orchestrator(pipelineDependencies);
  const integrator = new Integrator(pipelineDependencies);
  const skills = {
    platform: new PlatformSkill({ config, github, notifier }),
    webSearch: skillIntegrations.webSearch.skill,
    huggingFace: skillIntegrations.huggingFace.skill,
    calendar,
  };

  // Details are masked here once, for doctor, the dashboard and /venom/api/status alike.
  const mask = createMasker(config.secrets);
  const checkAll = (options: { timeoutMs?: number } = {}) =>
    checkConnections(integrations, { ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}), mask });
  const statusCache = new StatusCache({
    probe: () => checkAll({ timeoutMs: options.probeTimeoutMs ?? 5_000 }),
    initial: () => pendingStatuses(integrations, mask),
    probeOne: async (name) => {
      const integration = integrations.find((item) => item.name === name);
      if (!integration) return undefined;
      const [status] = await checkConnections([integration], { timeoutMs: options.probeTimeoutMs ?? 5_000, mask });
      return status;
    },
    log: log.child({ name: "status" }),
  });

  const trafficStatus = () => ({ ...traffic.snapshot(), inbound: inbound.snapshot() });
  // Live job events: this process's changes at once, other processes' (a separate worker, Redis peers) by a poll.
  const jobEvents = new JobEvents({
    subscribe: (listener) => queue.onChange(listener),
    newest: (limit) => queue.list({ limit, summary: true }),
    webBaseUrl: config.github.webBaseUrl,
    log: log.child({ name: "dashboard" }),
  });
  // Slack app mode: one message per run, edited in place as it advances.
  const stopSlackMessages = subscribeSlackRunMessages(config, queue, traffic, log);
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
    // Before the dashboard's routes: these authenticate by Slack's and Teams' signatures, not the dashboard token.
    ...createChatRoutes({ config, queue, github, permissions, traffic, worker, log }),
    createDashboardRoutes({
      queue,
      auth: dashboardAuth,
      // The page and /venom/api/status answer at once with the last known status; probes run behind.
      status: () => statusCache.snapshot(),
      extraEndpoints: { traffic: trafficStatus },
      testIntegration: (name) => statusCache.check(name),
      events: jobEvents,
      poller,
      enqueueTarget: async (repo) => {
        if (config.github.mode !== "app") return {};
        const [owner = "", name = ""] = repo.split("/");
        try {
          return { installationId: await github.installationFor(owner, name) };
        } catch {
          throw new Error(`The app is not installed on ${repo} (or GitHub could not be asked); install it there first.`);
        }
      },
      webBaseUrl: config.github.webBaseUrl,
      log: log.child({ name: "dashboard" }),
      onQueued: () => worker.notify(),
      onCancelRequested: (jobId) => worker.checkCancellation(jobId),
    }),
  ];
  let server: Server | undefined;
  let pollerStarted = false;
  // Where webhooks arrive, processed deliveries past their retention are forgotten: the inbox stays bounded.
  const inboxPruner = new InboxPruner({ inbox, log: log.child({ name: "inbox" }) });
  // Kept follow-up clones of PRs merged without a later round: removed after a week unused, at worker start and hourly.
  const workspacePruner = new KeptWorkspacePruner({ dataDir: config.dataDir, log: log.child({ name: "worker" }) });

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
    checkConnections: checkAll,
    isolationReport: () => checks.isolationReport(),
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
      inboxPruner.start();
      return bound;
    },
    async startBackground(background = {}) {
      if (background.worker ?? true) {
        worker.start();
        workspacePruner.start();
      }
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
      // Event streams never go idle: ended first, or closing the server would wait for them.
      jobEvents.close();
      stopSlackMessages();
      if (server) {
        const closing = new Promise<void>((resolve) => server?.close(() => resolve()));
        server.closeIdleConnections();
        await closing;
      }
      if (pollerStarted) await poller.stop();
      await inboxPruner.stop();
      await workspacePruner.stop();
      await dispatcher.stop();
      await worker.stop();
      traffic.close();
      await queue.close();
      if (isRedisInbox(inbox)) await inbox.close();
    },
  };
  return venom;
}

/** SQLite under VENOM_DATA_DIR by default; Redis when REDIS_URL is set, for several workers and machines. */
async function openQueue(config: VenomConfig, log: Logger): Promise<{ queue: JobQueue; inbox: DeliveryInbox }> {
  if (config.redisUrl) {
    // Loaded only when used: ioredis is large.
    const [{ RedisJobQueue }, { RedisInbox }] = await Promise.all([import("./queue/redis-queue.js"), import("./queue/redis-inbox.js")]);
    return {
      queue: new RedisJobQueue({ connection: config.redisUrl, log: log.child({ name: "queue" }) }),
      inbox: new RedisInbox({ connection: config.redisUrl, log: log.child({ name: "inbox" }) }),
    };
  }
  const db = openDatabase(config.dataDir);
  return { queue: new SqliteJobQueue(db, { ownsDb: true }), inbox: new SqliteInbox(db) };
}

/** The Issue-to-PR pipeline (git, tools, the model loop) loads with the first job, not at start-up. */
function lazyIssueJobHandler(dependencies: IssueJobDependencies): JobHandler {
  const handler = lazy(async () => (await import("./pipeline/issue-job.js")).createIssueJobHandler(dependencies));
  return async (context) => (await handler())(context);
}

function isRedisInbox(inbox: DeliveryInbox): inbox is RedisInbox {
  return "recover" in inbox && typeof (inbox as Partial<RedisInbox>).recover === "function";
}

/** The Slack app's run messages (SLACK_BOT_TOKEN and SLACK_CHANNEL), fed by the queue's changes; returns the unsubscribe. */
function subscribeSlackRunMessages(config: VenomConfig, queue: ObservedJobQueue, traffic: TrafficControl, log: Logger): () => void {
  const slack = config.chat.slack;
  if (!slack.botToken || !slack.channel) return () => undefined;
  const messages = new SlackRunMessages({
    queue,
    chat: createSlackChat({
      token: slack.botToken,
      apiUrl: slack.apiUrl,
      through: (method, call) => traffic.run("slack", method, call, { retry: false }),
    }),
    channel: slack.channel,
    webBaseUrl: config.github.webBaseUrl,
    ...(config.server.publicUrl ? { publicUrl: config.server.publicUrl } : {}),
    log: log.child({ name: "slack" }),
  });
  return queue.onChange((job) => messages.onChange(job));
}

/** `POST /venom/slack/actions` (SLACK_SIGNING_SECRET) and `POST /venom/teams/actions` (TEAMS_OUTGOING_SECRET), each when configured. */
function createChatRoutes(deps: {
  config: VenomConfig;
  queue: JobQueue;
  github: GitHubClients;
  permissions: PermissionCache;
  traffic: TrafficControl;
  worker: Worker;
  log: Logger;
}): RouteHandler[] {
  const { config, queue, github, log } = deps;
  const { slack, teams } = config.chat;
  if (!slack.signingSecret && !teams.outgoingSecret) return [];
  const actions = new ChatActions({
    queue,
    permissions: deps.permissions,
    requestFor: async (job) => {
      let installationId = job.installationId;
      if (installationId === undefined && config.github.mode === "app") {
        const [owner = "", name = ""] = job.repo.split("/");
        installationId = await github.installationFor(owner, name);
      }
      return (await github.forInstallation(installationId)).request as unknown as PermissionRequest;
    },
    // The same plan-only test as the pipeline's approved plan (approved-plan.ts).
    isPlanOnly: (job) => job.command === "plan" || savedCheckpoint(job.data).planOnly === true,
    // The dashboard's per-job action log (GET /venom/api/jobs/:id shows it).
    record: async (job, entry) => void (await queue.appendData(job.id, ACTIONS_KEY, { at: new Date().toISOString(), ...entry }, MAX_ACTIONS)),
    log: log.child({ name: "chat" }),
    onQueued: () => deps.worker.notify(),
    onCancelRequested: (jobId) => deps.worker.checkCancellation(jobId),
  });
  const routes: RouteHandler[] = [];
  if (slack.signingSecret) {
    // Replies go only to Slack (or, in tests, the SLACK_API_URL host): a response_url is text from the request.
    const replyOrigins = new Set(["https://hooks.slack.com", new URL(slack.apiUrl).origin]);
    const slackFetch = deps.traffic.fetchFor("slack", { retry: false });
    routes.push(
      createSlackActionsRoute({
        signingSecret: slack.signingSecret,
        users: slack.users,
        actions,
        rememberOnce: (key, ttlMs) => queue.rememberOnce(key, ttlMs),
        reply: async (responseUrl, text) => {
          if (!replyOrigins.has(new URL(responseUrl).origin)) return;
          await slackFetch(responseUrl, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ response_type: "ephemeral", replace_original: false, text }),
            signal: AbortSignal.timeout(10_000),
          });
        },
        log: log.child({ name: "slack" }),
      }),
    );
  }
  if (teams.outgoingSecret) {
    routes.push(
      createTeamsActionsRoute({
        secret: teams.outgoingSecret,
        users: teams.users,
        actions,
        rememberOnce: (key, ttlMs) => queue.rememberOnce(key, ttlMs),
        log: log.child({ name: "teams" }),
      }),
    );
  }
  return routes;
}
