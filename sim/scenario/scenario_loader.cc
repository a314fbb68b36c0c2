#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "libgateway/config/config_loader.h"
#include "sim/scenario/config_change.h"
#include "sim/scenario/scenario.h"

namespace gwsim {

using gateway::childPath;
using gateway::FieldErrors;
using gateway::JsonReader;

namespace {

gateway::Duration seconds(double s) { return static_cast<gateway::Duration>(std::llround(s * 1e6)); }

void loadServices(const nlohmann::json& v, const std::string& path, const gateway::Config* config, Scenario& s,
                  FieldErrors& errors) {
  JsonReader r(v, path, errors);
  if (!r.isObject()) return;
  for (const auto& [name, spec] : v.items()) {
    const std::string sp = childPath(path, name);
    r.any(name);  // every key is a service name
    const gateway::ServiceConfig* sc = config ? config->findService(name) : nullptr;
    if (config && !sc) {
      errors.add(sp, fmt::format("service \"{}\" is not in the gateway config", name));
      continue;
    }
    JsonReader sr(spec, sp, errors);
    if (!sr.isObject()) continue;
    ServiceModelSpec m;
    m.name = name;
    if (const auto* model = sr.any("model", true)) {
      if (auto is = InstanceSpec::parse(*model, sr.pathOf("model"), errors)) m.model = std::move(*is);
    }
    m.content = ServiceContent::parse(sr, name);
    if (const auto* inst = sr.object("instances")) {
      for (const auto& [id, ispec] : inst->items()) {
        const std::string ip = childPath(sr.pathOf("instances"), id);
        const std::string& instanceId = id;  // clang before 16 cannot capture a structured binding
        if (sc && std::none_of(sc->instances.begin(), sc->instances.end(),
                               [&](const gateway::InstanceConfig& i) { return i.id == instanceId; })) {
          errors.add(ip, fmt::format("service \"{}\" has no instance \"{}\"", name, id));
          continue;
        }
        // An override starts from the service model and changes only the fields it names.
        const auto model = spec.find("model");
        if (auto is = InstanceSpec::parseOverride(model == spec.end() ? nullptr : &*model, ispec, ip, errors)) {
          m.instances.emplace(id, std::move(*is));
        }
      }
    }
    sr.finish();
    s.services.push_back(std::move(m));
  }
  if (config) {
    for (const auto& svc : config->services) {
      if (std::none_of(s.services.begin(), s.services.end(), [&](const ServiceModelSpec& m) { return m.name == svc.name; })) {
        errors.add(path, fmt::format("no model for gateway service \"{}\"", svc.name));
      }
    }
  }
}

// A recorded request trace: one request per line, "t_us,method,target[,api_key[,client]]",
// times non-decreasing; '#' comments and blank lines skipped. Errors name the file and line.
std::shared_ptr<const std::vector<RecordedRequest>> loadReplay(const std::string& file, const std::string& path,
                                                               FieldErrors& errors) {
  std::string text, why;
  if (!gateway::readTextFile(file, text, why)) {
    errors.add(path, why);
    return nullptr;
  }
  auto out = std::make_shared<std::vector<RecordedRequest>>();
  std::size_t lineNo = 0, pos = 0, bad = 0;
  gateway::TimePoint last = 0;
  while (pos < text.size() && bad < 10) {
    auto eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#' || (lineNo == 1 && line.rfind("t_us,", 0) == 0)) continue;
    std::vector<std::string> f;
    std::size_t start = 0;
    while (true) {
      const auto comma = line.find(',', start);
      f.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    auto fail = [&](const std::string& what) {
      errors.add(path, fmt::format("{}:{}: {}", file, lineNo, what));
      ++bad;
    };
    if (f.size() < 3 || f.size() > 5) {
      fail("expected t_us,method,target[,api_key[,client]]");
      continue;
    }
    if (f[0].empty() || !std::all_of(f[0].begin(), f[0].end(), ::isdigit) || f[0].size() > 15) {
      fail(fmt::format("\"{}\" is not a time in microseconds", f[0]));
      continue;
    }
    RecordedRequest r;
    r.at = std::stoll(f[0]);
    if (r.at < last) {
      fail("times must not decrease");
      continue;
    }
    last = r.at;
    r.method = f[1];
    r.target = f[2];
    if (r.method.empty() || !std::all_of(r.method.begin(), r.method.end(), ::isupper)) {
      fail(fmt::format("\"{}\" is not an HTTP method", r.method));
      continue;
    }
    if (r.target.empty() || r.target[0] != '/') {
      fail("the target must start with '/'");
      continue;
    }
    if (f.size() > 3) r.apiKey = f[3];
    if (f.size() > 4) r.client = f[4];
    out->push_back(std::move(r));
  }
  if (out->empty() && bad == 0) errors.add(path, fmt::format("{}: no requests", file));
  return out;
}

void loadClients(const nlohmann::json& list, const std::string& path, Scenario& s, FieldErrors& errors,
                 const std::string& baseDir) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    JsonReader r(list[i], childPath(path, i), errors);
    if (!r.isObject()) continue;
    ClientGroup g;
    if (auto n = r.string("name", true)) {
      g.name = *n;
      if (std::find(names.begin(), names.end(), g.name) != names.end()) {
        errors.add(r.pathOf("name"), fmt::format("duplicate client group \"{}\"", g.name));
      }
      names.push_back(g.name);
    }
    if (auto c = r.integer("count", 1, 10'000'000)) g.count = static_cast<std::uint32_t>(*c);
    if (const auto* keys = r.array("api_keys")) {
      for (std::size_t k = 0; k < keys->size(); ++k) {
        if ((*keys)[k].is_string()) g.apiKeys.push_back((*keys)[k].get<std::string>());
        else errors.add(childPath(r.pathOf("api_keys"), k), "expected a string");
      }
    }
    if (s.gateway) g.apiKeyHeader = s.gateway->auth.apiKeyHeader;
    if (auto v = r.number("start_s", 0, 1e7)) g.start = seconds(*v);
    if (auto v = r.number("stop_s", 0, 1e7)) g.stop = seconds(*v);
    if (const auto* cl = r.object("closed_loop")) {
      g.closedLoop = true;
      JsonReader c(*cl, r.pathOf("closed_loop"), errors);
      if (const auto* t = c.any("think")) g.think = LatencyDistribution::parse(*t, c.pathOf("think"), errors);
      c.finish();
    }
    if (const auto* rp = r.object("replay")) {
      JsonReader rr(*rp, r.pathOf("replay"), errors);
      if (auto file = rr.string("file", true)) {
        std::filesystem::path fp(*file);
        if (fp.is_relative()) fp = std::filesystem::path(baseDir) / fp;
        g.replay = loadReplay(fp.string(), rr.pathOf("file"), errors);
      }
      rr.finish();
      if (r.has("arrival") || r.has("requests") || g.closedLoop) {
        errors.add(r.pathOf("replay"), "a replay group takes its times and requests from the file: remove arrival, requests and closed_loop");
      }
    }
    if (const auto* a = r.object("arrival", !g.closedLoop && !r.has("replay"))) {
      if (g.closedLoop) {
        errors.add(r.pathOf("arrival"), "a closed-loop group sends when its last answer arrives; remove \"arrival\"");
      } else {
        JsonReader ar(*a, r.pathOf("arrival"), errors);
        if (auto p = ar.choice("process", {"poisson", "constant"})) {
          g.process = *p == "poisson" ? ClientGroup::Process::kPoisson : ClientGroup::Process::kConstant;
        }
        g.arrival = RateProfile::parse(ar);
        ar.finish();
      }
    }
    if (const auto* rt = r.object("retry")) {
      JsonReader rr(*rt, r.pathOf("retry"), errors);
      if (auto m = rr.integer("max", 0, 100, true)) g.retry.maxRetries = static_cast<std::uint32_t>(*m);
      if (const auto* on = rr.array("on")) {
        for (std::size_t k = 0; k < on->size(); ++k) {
          if ((*on)[k].is_number_integer() && (*on)[k].get<int>() >= 100 && (*on)[k].get<int>() <= 599) {
            g.retry.retryOn.push_back((*on)[k].get<int>());
          } else {
            errors.add(childPath(rr.pathOf("on"), k), "expected an HTTP status code");
          }
        }
      } else {
        g.retry.retryOn = {429, 502, 503, 504};
      }
      if (auto b = rr.number("backoff_ms", 0, 3.6e6)) g.retry.backoff = seconds(*b / 1000);
      if (auto h = rr.boolean("honour_retry_after")) g.retry.honourRetryAfter = *h;
      rr.finish();
    }
    if (const auto* mix = r.any("requests", !r.has("replay"))) {
      if (auto m = RequestMix::parse(*mix, r.pathOf("requests"), errors)) g.mix = std::move(*m);
    }
    r.finish();
    s.clients.push_back(std::move(g));
  }
  if (list.empty()) errors.add(path, "a scenario needs at least one client group");
}

}  // namespace

ScenarioLoad loadScenarioJson(const nlohmann::json& doc, const std::string& baseDir) {
  ScenarioLoad out;
  FieldErrors& errors = out.errors;
  Scenario s;
  JsonReader r(doc, "", errors);
  if (!r.isObject()) return out;
  if (auto v = r.string("name")) s.name = *v;
  if (auto v = r.string("description")) s.description = *v;
  if (auto v = r.integer("seed", 0, INT64_MAX)) s.seed = static_cast<std::uint64_t>(*v);
  if (auto v = r.number("duration_s", 0.001, 1e7, true)) s.duration = seconds(*v);
  if (auto v = r.number("network_latency_ms", 0, 60000)) s.networkLatency = seconds(*v / 1000);
  if (auto v = r.number("client_latency_ms", 0, 60000)) s.clientLatency = seconds(*v / 1000);
  if (auto v = r.integer("start_unix_s", 0, 32503680000)) s.startUnixSeconds = *v;
  if (const auto* g = r.any("gateway", true)) {
    if (g->is_string()) {
      std::filesystem::path p(g->get<std::string>());
      if (p.is_relative()) p = std::filesystem::path(baseDir) / p;
      std::string text, why;
      if (!gateway::readTextFile(p.string(), text, why)) {
        errors.add("/gateway", why);
      } else {
        FieldErrors parseErrors;
        auto parsed = gateway::parseJsonText(text, parseErrors);
        for (const auto& e : parseErrors.list()) errors.add("/gateway", fmt::format("{}: {}", p.string(), e.message));
        if (parsed) s.gatewayJson = std::move(*parsed);
      }
    } else if (g->is_object()) {
      s.gatewayJson = *g;
    } else {
      errors.add("/gateway", "expected a config object or the path of a config file");
    }
    if (!s.gatewayJson.is_null()) {
      // Relative key and JWKS paths in the config resolve against the scenario's folder.
      auto load = gateway::loadConfigJson(s.gatewayJson, "/gateway", baseDir);
      for (const auto& e : load.errors.list()) errors.add(e.path, e.message);
      s.gateway = load.config;
    }
  }
  if (const auto* v = r.object("services", true)) loadServices(*v, "/services", s.gateway.get(), s, errors);
  if (const auto* v = r.array("clients", true)) loadClients(*v, "/clients", s, errors, baseDir);
  if (const auto* v = r.array("faults")) {
    for (std::size_t i = 0; i < v->size(); ++i) {
      const std::string fp = childPath("/faults", i);
      auto f = FaultSpec::parse((*v)[i], fp, errors);
      if (!f) continue;
      if (s.gateway && !f->service.empty()) {
        const auto* sc = s.gateway->findService(f->service);
        if (!sc) {
          errors.add(childPath(fp, "service"), fmt::format("unknown service \"{}\"", f->service));
        } else if (!f->instance.empty() &&
                   std::none_of(sc->instances.begin(), sc->instances.end(),
                                [&](const gateway::InstanceConfig& i) { return i.id == f->instance; })) {
          errors.add(childPath(fp, "instance"), fmt::format("service \"{}\" has no instance \"{}\"", f->service, f->instance));
        }
      }
      if (f->at >= s.duration) errors.add(childPath(fp, "at_s"), "starts after the scenario ends");
      s.faults.push_back(std::move(*f));
    }
  }
  if (const auto* v = r.array("changes")) {
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (auto c = parseConfigChange((*v)[i], childPath("/changes", i), errors)) s.changes.push_back(std::move(*c));
    }
    if (errors.empty() && !s.gatewayJson.is_null()) checkConfigChanges(s, baseDir, errors);
  }
  s.configDir = baseDir;
  if (const auto* v = r.object("gateways")) {
    if (auto f = GatewayFleetSpec::parse(*v, "/gateways", s.duration, errors)) s.fleet = std::move(*f);
  }
  if (const auto* v = r.object("stampede")) s.stampede = StampedeSpec::parse(*v, "/stampede", s, errors);
  if (const auto* v = r.array("expectations")) {
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string()) {
        errors.add(childPath("/expectations", i), "expected a string like \"p99_ms < 250\"");
        continue;
      }
      std::string why;
      auto e = parseExpectation((*v)[i].get<std::string>(), why);
      if (!e) {
        errors.add(childPath("/expectations", i), why);
        continue;
      }
      checkExpectation(*e, s, childPath("/expectations", i), errors);
      s.expectations.push_back(std::move(*e));
    }
  }
  r.finish();
  if (errors.empty()) out.scenario = std::move(s);
  return out;
}

std::optional<nlohmann::json> readScenarioDocument(const std::string& path, FieldErrors& errors) {
  std::string text, why;
  if (!gateway::readTextFile(path, text, why)) {
    errors.add("", why);
    return std::nullopt;
  }
  auto doc = gateway::parseJsonText(text, errors);
  if (!doc) return std::nullopt;
  if (doc->is_object() && doc->contains("gateway") && (*doc)["gateway"].is_string()) {
    std::filesystem::path p((*doc)["gateway"].get<std::string>());
    if (p.is_relative()) p = std::filesystem::path(path).parent_path() / p;
    std::string ctext;
    if (!gateway::readTextFile(p.string(), ctext, why)) {
      errors.add("/gateway", why);
      return std::nullopt;
    }
    FieldErrors cerr;
    auto config = gateway::parseJsonText(ctext, cerr);
    if (!config) {
      for (const auto& e : cerr.list()) errors.add("/gateway", fmt::format("{}: {}", p.string(), e.message));
      return std::nullopt;
    }
    (*doc)["gateway"] = std::move(*config);
  }
  return doc;
}

ScenarioLoad loadScenarioFile(const std::string& path) {
  ScenarioLoad out;
  auto doc = readScenarioDocument(path, out.errors);
  if (!doc) return out;
  return loadScenarioJson(*doc, std::filesystem::path(path).parent_path().string());
}

}  // namespace gwsim
