#include "libgateway/config/route_loader.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

#include "libgateway/config/auth_loader.h"
#include "libgateway/config/field_checks.h"
#include "libgateway/config/resilience_loader.h"
#include "libgateway/http/headers.h"
#include "libgateway/routing/path_template.h"

namespace gateway {

namespace {

class RouteLoader {
 public:
  RouteLoader(const DeclaredLimits& declared, FieldErrors& errors) : declared_(declared), errors_(errors) {}

  void load(const nlohmann::json& list, const std::string& path, Config& config) {
    std::set<std::string> names;
    // Two routes with the same match would make precedence depend on file order.
    std::map<std::string, std::string> matchKeys;
    for (std::size_t i = 0; i < list.size(); ++i) {
      JsonReader r(list[i], childPath(path, i), errors_);
      if (!r.isObject()) continue;
      RouteConfig rc;
      if (auto n = r.string("name", true)) {
        rc.name = *n;
        if (rc.name.empty()) error(r.pathOf("name"), "must not be empty");
        else if (!names.insert(rc.name).second) error(r.pathOf("name"), fmt::format("duplicate route \"{}\"", rc.name));
      }
      ParsedPath parsed;
      bool matchOk = false;
      if (const auto* m = r.object("match", true)) matchOk = loadMatch(*m, r.pathOf("match"), rc, parsed);
      loadBackends(r, rc, config);
      if (auto s = r.boolean("strip_prefix")) {
        rc.stripPrefix = *s;
        if (*s && matchOk && rc.pathType != PathMatchType::kPrefix) {
          error(r.pathOf("strip_prefix"), "only a prefix match can strip its prefix");
        }
      }
      if (auto rw = r.string("rewrite")) {
        std::string why;
        auto t = RewriteTemplate::parse(*rw, why);
        if (!why.empty()) {
          error(r.pathOf("rewrite"), why);
        } else if (matchOk) {
          for (const auto& name : t.names()) {
            const bool known = name == "*" ? rc.pathType == PathMatchType::kPrefix
                                           : std::any_of(parsed.segments.begin(), parsed.segments.end(),
                                                         [&](const PathSegment& s) { return s.isParam && s.text == name; });
            if (!known) {
              error(r.pathOf("rewrite"), name == "*" ? std::string("\"{*}\" needs a prefix match")
                                                     : fmt::format("\"{{{}}}\" is not captured by the match path", name));
            }
          }
        }
        if (rc.stripPrefix) error(r.pathOf("rewrite"), "use either strip_prefix or rewrite, not both");
        rc.rewrite = *rw;
      }
      loadUpstreamHost(r, rc);
      if (auto t = millisField(r, "timeout_ms")) rc.timeout = *t;
      if (const auto* rl = r.object("rate_limit")) loadRouteRateLimit(*rl, r.pathOf("rate_limit"), rc);
      if (const auto* a = r.object("auth")) {
        rc.auth.emplace();
        loadRouteAuth(*a, r.pathOf("auth"), config.auth.jwt.has_value(), *rc.auth, errors_);
      }
      if (const auto* rt = r.object("retry")) {
        rc.retry.emplace();
        loadRetry(*rt, r.pathOf("retry"), *rc.retry, errors_);
      }
      loadExtensions(r, rc, config);
      r.finish();
      if (matchOk) {
        std::string key = fmt::format("{}|{}|{}|{}", toString(rc.pathType), rc.path, fmt::join(rc.hosts, ","),
                                      fmt::join(rc.methods, ","));
        for (const auto& h : rc.headers) {
          key += '|';
          key += toLower(h.name);
          key += '=';
          key += h.value ? std::string_view(*h.value) : std::string_view("*");
        }
        auto [it, inserted] = matchKeys.emplace(key, rc.name);
        if (!inserted) error(r.pathOf("match"), fmt::format("same match as route \"{}\"", it->second));
      }
      config.routes.push_back(std::move(rc));
    }
  }

 private:
  bool loadMatch(const nlohmann::json& v, const std::string& path, RouteConfig& rc, ParsedPath& parsed) {
    JsonReader r(v, path, errors_);
    if (!r.isObject()) return false;
    const auto exact = r.string("path");
    const auto prefix = r.string("prefix");
    const auto tmpl = r.string("template");
    const int count = (exact ? 1 : 0) + (prefix ? 1 : 0) + (tmpl ? 1 : 0);
    bool ok = true;
    if (count != 1) {
      if (!r.has("path") && !r.has("prefix") && !r.has("template")) {
        error(path, "needs one of \"path\" (exact), \"prefix\" or \"template\"");
      } else if (count > 1) {
        error(path, "give only one of \"path\", \"prefix\", \"template\"");
      }
      ok = false;
    } else {
      rc.pathType = exact ? PathMatchType::kExact : prefix ? PathMatchType::kPrefix : PathMatchType::kTemplate;
      rc.path = exact ? *exact : prefix ? *prefix : *tmpl;
      const std::string key = exact ? "path" : prefix ? "prefix" : "template";
      parsed = parsePath(rc.path, rc.pathType == PathMatchType::kTemplate);
      if (!parsed.ok()) {
        error(r.pathOf(key), fmt::format("bad path \"{}\": {}", rc.path, parsed.error));
        ok = false;
      } else if (rc.pathType == PathMatchType::kTemplate &&
                 std::none_of(parsed.segments.begin(), parsed.segments.end(), [](const PathSegment& s) { return s.isParam; })) {
        error(r.pathOf(key), "a template needs at least one {param}; use \"path\" for an exact match");
        ok = false;
      }
    }
    if (const auto* m = r.array("methods")) {
      for (std::size_t i = 0; i < m->size(); ++i) {
        const auto& x = (*m)[i];
        if (!x.is_string() || !validToken(x.get<std::string>())) {
          error(childPath(r.pathOf("methods"), i), "expected an HTTP method like \"GET\"");
          continue;
        }
        std::string method = x.get<std::string>();
        if (std::any_of(method.begin(), method.end(), ::islower)) {
          error(childPath(r.pathOf("methods"), i), fmt::format("methods are case-sensitive and upper case: \"{}\"", method));
          continue;
        }
        if (std::find(rc.methods.begin(), rc.methods.end(), method) != rc.methods.end()) {
          error(childPath(r.pathOf("methods"), i), fmt::format("\"{}\" is listed twice", method));
          continue;
        }
        rc.methods.push_back(std::move(method));
      }
      std::sort(rc.methods.begin(), rc.methods.end());
    }
    if (const auto* h = r.array("hosts")) {
      for (std::size_t i = 0; i < h->size(); ++i) {
        const auto& x = (*h)[i];
        std::string host = x.is_string() ? toLower(x.get<std::string>()) : std::string();
        const bool wildcard = host.rfind("*.", 0) == 0;
        const std::string_view rest = wildcard ? std::string_view(host).substr(2) : std::string_view(host);
        if (rest.empty() || rest.find_first_of("*/: ") != std::string_view::npos) {
          error(childPath(r.pathOf("hosts"), i), "expected a host name like \"api.example.com\" or \"*.example.com\"");
          continue;
        }
        rc.hosts.push_back(std::move(host));
      }
      std::sort(rc.hosts.begin(), rc.hosts.end());
    }
    if (const auto* h = r.object("headers")) {
      for (const auto& [name, value] : h->items()) {
        const std::string hp = childPath(r.pathOf("headers"), name);
        if (!validToken(name)) {
          error(hp, "not a valid header name");
        } else if (value.is_string()) {
          rc.headers.push_back({name, value.get<std::string>()});
        } else if (value.is_boolean() && value.get<bool>()) {
          rc.headers.push_back({name, std::nullopt});
        } else {
          error(hp, "expected a string (exact value) or true (present)");
        }
      }
    }
    r.finish();
    return ok;
  }

  void loadBackends(JsonReader& r, RouteConfig& rc, const Config& config) {
    const bool hasService = r.has("service");
    const bool hasSplit = r.has("split");
    if (const auto terminal = terminalField(r); !terminal.empty()) {
      // The stage that owns the field answers the route: no upstream service of its own.
      if (hasService || hasSplit) {
        error(r.pathOf(hasService ? "service" : "split"),
              fmt::format("a route with \"{}\" has no \"{}\"", terminal, hasService ? "service" : "split"));
      }
      return;
    }
    if (hasService && hasSplit) error(r.path(), "give either \"service\" or \"split\", not both");
    if (!hasService && !hasSplit) error(r.path(), "needs a \"service\" or a weighted \"split\"");
    if (auto s = r.string("service")) {
      if (!config.findService(*s)) error(r.pathOf("service"), unknownService(*s, config));
      rc.backends.push_back({*s, 1});
    }
    if (const auto* split = r.array("split")) {
      if (split->empty()) error(r.pathOf("split"), "a split needs at least one service");
      std::set<std::string> seen;
      for (std::size_t i = 0; i < split->size(); ++i) {
        JsonReader b((*split)[i], childPath(r.pathOf("split"), i), errors_);
        if (!b.isObject()) continue;
        RouteBackend rb;
        if (auto s = b.string("service", true)) {
          rb.service = *s;
          if (!config.findService(*s)) error(b.pathOf("service"), unknownService(*s, config));
          else if (!seen.insert(*s).second) error(b.pathOf("service"), fmt::format("service \"{}\" appears twice in the split", *s));
        }
        if (auto w = b.integer("weight", 0, 1'000'000, true)) rb.weight = static_cast<std::uint32_t>(*w);
        b.finish();
        rc.backends.push_back(std::move(rb));
      }
      std::uint64_t total = 0;
      for (const auto& b : rc.backends) total += b.weight;
      if (!split->empty() && total == 0) error(r.pathOf("split"), "the weights add up to 0");
    }
  }

  static std::string unknownService(const std::string& name, const Config& config) {
    std::string msg = fmt::format("unknown service \"{}\"", name);
    // A near miss is most likely a typo (a dropped, added or swapped letter): say which one.
    std::size_t best = 3;
    std::string hint;
    for (const auto& s : config.services) {
      const std::size_t d = editDistance(name, s.name);
      if (d < best && d < s.name.size()) {
        best = d;
        hint = fmt::format(" (did you mean \"{}\"?)", s.name);
      }
    }
    return msg + hint;
  }

  // preserve_host / host_rewrite: the Host header sent upstream.
  void loadUpstreamHost(JsonReader& r, RouteConfig& rc) {
    const auto preserve = r.boolean("preserve_host");
    if (preserve) rc.preserveHost = *preserve;
    if (auto h = r.string("host_rewrite")) {
      if (h->find("://") != std::string::npos) {
        error(r.pathOf("host_rewrite"), "write a host without a scheme, like \"api.internal\"");
      } else if (!validHostHeader(*h)) {
        error(r.pathOf("host_rewrite"),
              fmt::format("\"{}\" is not a host with an optional port, like \"api.internal\" or \"10.0.0.5:8443\"", *h));
      }
      if (preserve && *preserve) {
        error(r.pathOf("host_rewrite"), "use either \"preserve_host\": true or host_rewrite, not both");
      }
      rc.preserveHost = false;
      rc.hostRewrite = *h;
    }
  }

  // A Host header value: a name or IPv4 address, or a bracketed IPv6 address, and an optional
  // port 1-65535 (RFC 9110 7.2; no user info, path or spaces).
  static bool validHostHeader(std::string_view h) {
    const auto isName = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_'; };
    const auto isV6 = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; };
    std::size_t hostEnd = h.find(':');
    if (!h.empty() && h.front() == '[') {
      const auto close = h.find(']');
      if (close == std::string_view::npos || close < 3 || !std::all_of(h.begin() + 1, h.begin() + close, isV6)) return false;
      hostEnd = close + 1 == h.size() ? std::string_view::npos : close + 1;
      if (hostEnd != std::string_view::npos && h[hostEnd] != ':') return false;
    } else {
      const std::string_view host = h.substr(0, hostEnd);
      if (host.empty() || !std::all_of(host.begin(), host.end(), isName)) return false;
    }
    if (hostEnd == std::string_view::npos) return true;
    const std::string_view port = h.substr(hostEnd + 1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    const int p = std::stoi(std::string(port));
    return p >= 1 && p <= 65535;
  }

  void loadRouteRateLimit(const nlohmann::json& v, const std::string& path, RouteConfig& rc) {
    JsonReader r(v, path, errors_);
    if (!r.isObject()) return;
    if (auto p = r.boolean("per_consumer")) {
      rc.rateLimit.perConsumer = *p;
      if (*p && declared_.tiers.empty()) error(r.pathOf("per_consumer"), "rate_limits.tiers is empty");
    }
    if (const auto* list = r.array("policies")) {
      for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string pp = childPath(r.pathOf("policies"), i);
        if (!(*list)[i].is_string()) {
          error(pp, "expected a policy name");
          continue;
        }
        const auto name = (*list)[i].get<std::string>();
        if (!declared_.policies.count(name)) error(pp, fmt::format("unknown rate limit policy \"{}\"", name));
        else rc.rateLimit.policies.push_back(name);
      }
    }
    r.finish();
  }

  // The route field of a terminal stage (an aggregation) that the route sets, if any.
  static std::string_view terminalField(const JsonReader& r) {
    for (const RouteExtensionLoader& loader : routeExtensionLoaders()) {
      if (loader.terminal && !loader.field.empty() && r.has(loader.field)) return loader.field;
    }
    return {};
  }

  // The fields that stages own (route_extension.h), each read by its stage's loader, last:
  // a loader sees the route's other fields.
  void loadExtensions(JsonReader& r, RouteConfig& rc, const Config& config) {
    const auto loaders = routeExtensionLoaders();
    rc.extensions.resize(loaders.size());
    const RouteExtensionContext context{config, rc};
    for (std::size_t slot = 0; slot < loaders.size(); ++slot) {
      const RouteExtensionLoader& loader = loaders[slot];
      if (loader.field.empty() || !loader.load) continue;
      if (const auto* value = r.any(loader.field)) {
        rc.extensions[slot] = loader.load(*value, r.pathOf(loader.field), context, errors_);
      }
    }
  }

  void error(std::string path, std::string message) { errors_.add(std::move(path), std::move(message)); }

  const DeclaredLimits& declared_;
  FieldErrors& errors_;
};

}  // namespace

void loadRoutes(const nlohmann::json& list, const std::string& path, const DeclaredLimits& declared, Config& config,
                FieldErrors& errors) {
  RouteLoader(declared, errors).load(list, path, config);
}

}  // namespace gateway
