#include "libgateway/net/gateway_server.h"

#include <chrono>
#include <csignal>
#include <condition_variable>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "libgateway/config/config_loader.h"
#include "libgateway/net/admin_config.h"
#include "libgateway/net/admin_stats.h"
#include "libgateway/net/admin_token.h"
#include "libgateway/net/asio_context.h"
#include "libgateway/net/exchange_reporter.h"
#include "libgateway/net/redis_limit_client.h"
#include "libgateway/pipeline/gateway.h"
#include "libgateway/pipeline/stage_list.h"

namespace gateway::net {

namespace {

constexpr Duration kLogFlushPeriod = millis(200);
constexpr Duration kDrainPollPeriod = millis(10);
constexpr auto kWorkerStopGrace = std::chrono::seconds(3);

// What each worker's Redis client of cluster limits is built with (no seeds: no client).
template <typename Target>
RedisLimitClient::Options redisOptions(const SharedState& shared, const Target& target) {
  RedisLimitClient::Options o;
  o.seeds = target.seeds;
  o.timeout = target.timeout;
  o.username = target.username;
  o.password = target.password;
  o.unixOffset = shared.unixTimeOffset();
  o.health = shared.limiters().clusterHealth();
  return o;
}

}  // namespace

// One worker thread: its loop and everything that lives on it. Also the HttpHandler that
// hands the listener's requests to the Gateway.
struct GatewayServer::Worker final : HttpHandler {
  Worker(GatewayServer& server, Random seed, std::size_t index)
      : loop(server.clock_),
        random(std::move(seed)),
        transport(loop, server.options_.upstream, server.upstreamStats_,
                  [shared = server.shared_.get()](std::string_view service) {
                    const auto runtime = shared->runtime();
                    const ServiceConfig* s = runtime->config().findService(service);
                    return s ? s->connectTimeout : seconds(5);
                  }),
        redis(makeRedisClient(
            redisOptions(*server.shared_, server.redis_))),
        env{server.clock_, loop.scheduler(), transport, random, redis.get()},
        shared(*server.shared_),
        gateway(*server.shared_, env),
        reporter(server.metrics_, server.accessLog_.get()) {
    installStandardStages(gateway, *server.shared_, env);
    gateway.setObserver(&reporter);
    reporter.feedRecent(server.recent_.get(), index);
  }

  // The Redis client of cluster-scoped limits, on this worker's loop (null: none configured).
  std::unique_ptr<RedisLimitClient> makeRedisClient(RedisLimitClient::Options options) {
    if (options.seeds.empty()) return nullptr;
    return std::make_unique<RedisLimitClient>(ioContext(loop), loop.clock(), std::move(options));
  }

  // On the worker's thread, after a reload changed the Redis addresses, credentials or timeout.
  void retargetRedis(const RedisLimitClient::Options& options) {
    if (stopping) return;
    if (redis) return redis->reconfigure(options);
    redis = makeRedisClient(options);
    env.clusterStore = redis.get();
  }

  void handle(Request request, ResponseSink sink) override {
    inFlight.fetch_add(1, std::memory_order_relaxed);
    gateway.handle(std::move(request), [this, sink = std::move(sink)](Response response) mutable {
      inFlight.fetch_sub(1, std::memory_order_relaxed);
      sink.respond(std::move(response));
    });
  }

  void onRejected(const RequestFailure& failure, std::string_view clientAddress) override {
    if (!shared.runtime()->config().observability.accessLog) return;
    reporter.logRejection(failure.status, failure.code, clientAddress);
  }

  void scheduleFlush() {
    flushTimer = loop.scheduler().schedule(loop.clock().now() + kLogFlushPeriod, [this] {
      flushTimer = 0;
      reporter.flush();
      if (!stopping) scheduleFlush();
    });
  }

  // On the worker's thread: fail what is left upstream, flush, and let run() return.
  void stop() {
    stopping = true;
    if (flushTimer) loop.scheduler().cancel(flushTimer);
    flushTimer = 0;
    transport.closeAll();
    if (redis) redis->close();
    reporter.flush();
    loop.finish();
  }

  EventLoop loop;  // first: outlives everything below
  Random random;
  PooledTransport transport;
  std::unique_ptr<RedisLimitClient> redis;  // cluster-scoped limits' store; null without any
  Env env;
  SharedState& shared;
  Gateway gateway;
  ExchangeReporter reporter;
  std::atomic<std::int64_t> inFlight{0};
  TimerId flushTimer = 0;
  bool stopping = false;
  std::thread thread;
  std::atomic<bool> finished{false};
};

GatewayServer::GatewayServer(const GatewayOptions& defaults, const GatewayOptions& options)
    : defaults_(defaults), options_(options), adminLoop_(clock_) {}

GatewayServer::~GatewayServer() {
  // Normally run() joined the workers; if it never ran, nothing was started.
  for (auto& w : workers_) {
    if (w->thread.joinable()) {
      w->loop.stop();
      w->thread.join();
    }
  }
}

std::unique_ptr<GatewayServer> GatewayServer::create(const GatewayOptions& defaults, std::string& error,
                                                     FieldErrors& configErrors) {
  ConfigSource source = loadConfigSource(defaults.configPath);
  ConfigLoad& load = source.load;
  if (!load.ok()) {
    configErrors = std::move(load.errors);
    error = fmt::format("config \"{}\" has {} error(s)", defaults.configPath, configErrors.size());
    return nullptr;
  }
  const GatewayOptions options = resolveOptions(defaults, load.config->server);
  if (options.threads < 1 || options.threads > 256) {
    error = fmt::format("--threads {} is out of range 1-256", options.threads);
    return nullptr;
  }
  std::string adminToken;
  if (!options.adminTokenFile.empty()) {
    // Checked before the start (preflight.h); it can only have changed since.
    std::string why;
    auto token = readAdminToken(options.adminTokenFile, why);
    if (!token) {
      configErrors.add("/server/admin_token_file", why);
      error = "the admin token file cannot be used";
      return nullptr;
    }
    adminToken = std::move(*token);
  }
  std::unique_ptr<GatewayServer> server(new GatewayServer(defaults, options));
  server->shared_ = std::make_unique<SharedState>(load.config);
  server->configDocument_ = std::move(source.redacted);
  server->recent_ = std::make_unique<RecentRequests>(options.threads);
  // The core's clock is steady (microseconds since an arbitrary start); JWT exp/nbf need the
  // Unix time, so tell the core how far apart the two are.
  const auto unixNow = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  server->shared_->setUnixTimeOffset(unixNow - server->clock_.now());
  if (const ClusterLimitsConfig& cluster = load.config->rateLimits.cluster;
      !cluster.redis.empty() && cluster.mode != ClusterLimitMode::kSplit) {
    // Names are resolved once, here: the workers' connections take addresses only.
    server->redis_ = {cluster.redis, cluster.redis, cluster.timeout, cluster.username, cluster.password};
    std::string why;
    if (!resolveRedisSeeds(server->redis_.seeds, why)) {
      error = "rate_limits.cluster.redis: " + why;
      return nullptr;
    }
  }
  // Set before the workers start (a reload may point them at a Redis later).
  server->shared_->limiters().clusterHealth()->setLog(
      [](std::string_view line) { fmt::print(stderr, "gatewayd: {}\n", line); });
  if (!options.accessLogPath.empty()) {
    server->accessLog_ = AccessLog::open(options.accessLogPath, error);
    if (!server->accessLog_) return nullptr;
  }
  std::uint64_t seed = options.seed;
  if (seed == 0) seed = (static_cast<std::uint64_t>(std::random_device{}()) << 32) | std::random_device{}();
  const Random root(seed);
  std::vector<HttpServer::Worker> handlers;
  for (unsigned i = 0; i < options.threads; ++i) {
    server->workers_.push_back(std::make_unique<Worker>(*server, root.stream("worker", i), i));
    handlers.push_back({&server->workers_.back()->loop, server->workers_.back().get()});
  }
  server->listener_ = HttpServer::bind(options.listen, server->workers_.front()->loop, handlers, options.limits, error);
  if (!server->listener_) return nullptr;
  server->listener_->setMaxConnections(options.maxConnections);
  server->adminApi_ = std::make_unique<AdminApi>(*server, std::move(adminToken));
  HttpLimits adminLimits;
  adminLimits.maxPipelined = 4;
  server->adminServer_ = HttpServer::bind(options.admin, server->adminLoop_, {{&server->adminLoop_, server->adminApi_.get()}},
                                          adminLimits, error);
  if (!server->adminServer_) {
    error = "admin: " + error;
    return nullptr;
  }
  // Installed now, so a signal that arrives before run() is not the default (fatal) action.
  GatewayServer* self = server.get();
  server->adminLoop_.onSignals({SIGTERM, SIGINT}, [self](int signal) { self->beginShutdown(signal); });
  server->adminLoop_.onSignals({SIGHUP}, [self](int) {
    const ReloadResult r = self->reload();
    if (r.ok) {
      fmt::print(stderr, "gatewayd: SIGHUP: config reloaded (version {})\n", r.version);
      for (const auto& w : r.warnings.list()) fmt::print(stderr, "gatewayd: SIGHUP: warning: {}\n", w.str());
    } else {
      fmt::print(stderr, "gatewayd: SIGHUP: config refused, version {} keeps running:\n{}", r.version, r.errors.text());
    }
  });
  return server;
}

int GatewayServer::run() {
  startedAt_ = clock_.now();
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->loop.post([worker] { worker->scheduleFlush(); });
    worker->thread = std::thread([worker] {
      worker->loop.run();
      worker->finished.store(true);
    });
  }
  listener_->start();
  adminServer_->start();
  running_ = true;
  adminLoop_.run();

  // Workers were told to finish; give them a moment, then stop any that hangs.
  const auto until = std::chrono::steady_clock::now() + kWorkerStopGrace;
  for (auto& w : workers_) {
    while (!w->finished.load() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!w->finished.load()) w->loop.stop();
    w->thread.join();
  }
  fmt::print(stderr, "gatewayd: stopped\n");
  return 0;
}

void GatewayServer::shutdown() {
  adminLoop_.post([this] { beginShutdown(SIGTERM); });
}

void GatewayServer::beginShutdown(int signal) {
  if (shuttingDown_) return;
  shuttingDown_ = true;
  draining_ = true;
  Duration drainTimeout = 0;
  {
    std::lock_guard lock(reloadMutex_);  // a reload may change it
    drainTimeout = options_.drainTimeout;
  }
  fmt::print(stderr, "gatewayd: {}: draining ({} connections, up to {} ms)\n", signal == SIGINT ? "SIGINT" : "SIGTERM",
             listener_->stats().active.load(), drainTimeout / 1000);
  listener_->stopAccepting();
  listener_->drain();
  drainDeadline_ = clock_.now() + drainTimeout;
  pollDrain();
}

void GatewayServer::pollDrain() {
  bool idle = listener_->stats().active.load() == 0;
  for (const auto& w : workers_) idle = idle && w->inFlight.load() == 0;
  if (idle) return finishWorkers(false);
  if (clock_.now() >= drainDeadline_) return finishWorkers(true);
  adminLoop_.scheduler().schedule(clock_.now() + kDrainPollPeriod, [this] { pollDrain(); });
}

void GatewayServer::finishWorkers(bool forced) {
  if (forced) {
    fmt::print(stderr, "gatewayd: drain timeout: closing {} connection(s)\n", listener_->stats().active.load());
    listener_->closeAll();
  }
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->loop.post([worker] { worker->stop(); });
  }
  adminServer_->stopAccepting();
  adminServer_->closeAll();
  adminLoop_.finish();
}

ReloadResult GatewayServer::reload() {
  std::lock_guard lock(reloadMutex_);
  ConfigSource source = loadConfigSource(options_.configPath);
  ConfigLoad& load = source.load;
  ReloadResult result;
  if (!load.ok()) {
    metrics_.reloads("rejected").add();
    result.errors = std::move(load.errors);
    result.version = shared_->version();
    return result;
  }
  // Of the server section only the connection cap and the drain timeout apply live; the
  // rest was used to build the listener, workers and pools, and needs a restart.
  const GatewayOptions next = resolveOptions(defaults_, load.config->server);
  result.warnings = restartOnlyChanges(options_, next);
  // Cluster limits' Redis: addresses that changed (as written) are resolved here, and a name
  // that does not resolve refuses the reload; then each worker's client moves to what changed,
  // on its own thread. A config without Redis (split mode) leaves the clients as they are.
  const ClusterLimitsConfig& nextCluster = load.config->rateLimits.cluster;
  if (!nextCluster.redis.empty() && nextCluster.mode != ClusterLimitMode::kSplit) {
    RedisTarget next{nextCluster.redis, redis_.seeds, nextCluster.timeout, nextCluster.username, nextCluster.password};
    if (next.names != redis_.names || redis_.seeds.empty()) {
      next.seeds = next.names;
      std::string why;
      if (!resolveRedisSeeds(next.seeds, why)) {
        metrics_.reloads("rejected").add();
        result.errors.add("/rate_limits/cluster/redis", why);
        result.version = shared_->version();
        return result;
      }
    }
    if (!(next == redis_)) {
      redis_ = std::move(next);
      const RedisLimitClient::Options options = redisOptions(*shared_, redis_);
      for (auto& w : workers_) {
        Worker* worker = w.get();
        worker->loop.post([worker, options] { worker->retargetRedis(options); });
      }
    }
  }
  options_.maxConnections = next.maxConnections;
  options_.drainTimeout = next.drainTimeout;
  listener_->setMaxConnections(next.maxConnections);
  shared_->install(load.config);
  configDocument_ = std::move(source.redacted);
  metrics_.reloads("ok").add();
  result.ok = true;
  result.version = shared_->version();
  return result;
}

bool GatewayServer::ready() const { return running_.load() && !draining_.load(); }

AdminStatsSources GatewayServer::statsSources() const {
  std::int64_t inFlight = 0;
  for (const auto& w : workers_) inFlight += w->inFlight.load(std::memory_order_relaxed);
  const TimePoint now = clock_.now();
  return AdminStatsSources{.shared = *shared_,
                           .metrics = metrics_,
                           .connections = listener_->stats(),
                           .upstream = upstreamStats_,
                           .now = now,
                           .requestsInFlight = inFlight,
                           .threads = workers_.size(),
                           .ready = ready(),
                           .draining = draining_.load(),
                           .uptimeSeconds = running_.load() ? static_cast<double>(now - startedAt_) / 1e6 : 0.0};
}

void GatewayServer::renderMetrics(std::string& out) const { renderAdminMetrics(statsSources(), out); }

nlohmann::json GatewayServer::stats() const {
  AdminStatsSources sources = statsSources();
  {
    std::lock_guard lock(reloadMutex_);
    sources.server = describeOptions(options_);
  }
  sources.server["bound"] = {{"listen", listenAddress()}, {"admin", adminAddress()}};
  return adminStats(sources);
}

nlohmann::json GatewayServer::runningConfig() const {
  std::lock_guard lock(reloadMutex_);  // the version and the document change together
  return {{"config_version", shared_->version()}, {"config", configDocument_}};
}

std::optional<std::string> GatewayServer::recentRequests(std::uint64_t after) { return recent_->since(after, clock_.now()); }

}  // namespace gateway::net
