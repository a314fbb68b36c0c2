// Bytes as a request's method, Host, target and fields into the path normaliser
// (libgateway/http/path_normalize.h) and the route matcher (libgateway/routing/) over a
// fixed route table with every kind of route: exact, prefix, template, hosts (exact and
// wildcard), field matchers, method lists, rewrites and strip_prefix. Input lines:
//   METHOD \n HOST \n TARGET \n Name: value \n ...
// Invariants:
//   - normalising is idempotent: a normalised target normalises to itself, keeps its query,
//     and has no empty, "." or ".." segment; a refusal says why;
//   - a target without a query normalises as its path does;
//   - a match names a route whose host, fields, methods and path all accept the request
//     (exact: the same path; prefix: at a segment boundary, `rest` what follows it;
//     template: one capture per parameter, never empty, never holding '/');
//   - a 405 names the allowed methods and only when some route would take another method;
//     a 404 only when no route takes the path, host and fields;
//   - the upstream path starts with '/' (the asterisk form, OPTIONS *, is kept as it is);
//     matching twice gives the same answer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "libgateway/config/config_loader.h"
#include "libgateway/http/path_normalize.h"
#include "libgateway/routing/route_table.h"

namespace {

using gateway::fuzz::invariantBroken;

std::shared_ptr<const gateway::Config> routeFuzzConfig() {
  const char* text = R"({
  "services": [{"name": "a", "instances": ["10.0.0.1:80"]}, {"name": "b", "instances": ["10.0.0.2:80"]}],
  "routes": [
    {"name": "exact", "match": {"path": "/users"}, "service": "a"},
    {"name": "exact-slash", "match": {"path": "/users/"}, "service": "a"},
    {"name": "exact-post", "match": {"path": "/orders", "methods": ["POST", "PUT"]}, "service": "a"},
    {"name": "template", "match": {"template": "/users/{id}"}, "service": "a", "rewrite": "/v2/users/{id}"},
    {"name": "template-2", "match": {"template": "/users/{id}/orders/{order}", "methods": ["GET"]}, "service": "a",
     "rewrite": "/orders/{order}/{id}"},
    {"name": "template-first", "match": {"template": "/{tenant}/settings"}, "service": "b"},
    {"name": "prefix-api", "match": {"prefix": "/api"}, "service": "a", "rewrite": "/backend{*}"},
    {"name": "prefix-api-v2", "match": {"prefix": "/api/v2", "methods": ["GET", "HEAD"]}, "service": "b",
     "strip_prefix": true},
    {"name": "prefix-slash", "match": {"prefix": "/static/"}, "service": "b"},
    {"name": "host-exact", "match": {"prefix": "/", "hosts": ["api.example.com"]}, "service": "b"},
    {"name": "host-wild", "match": {"prefix": "/", "hosts": ["*.example.com"]}, "service": "a"},
    {"name": "host-longer-wild", "match": {"prefix": "/admin", "hosts": ["*.eu.example.com"]}, "service": "b"},
    {"name": "canary", "match": {"prefix": "/shop", "headers": {"X-Canary": "1"}}, "service": "b"},
    {"name": "has-header", "match": {"prefix": "/shop", "headers": {"X-Beta": true}}, "service": "a"},
    {"name": "shop", "match": {"prefix": "/shop", "methods": ["GET"]}, "service": "a"},
    {"name": "root", "match": {"prefix": "/"}, "service": "a", "strip_prefix": true}
  ]
})";
  gateway::ConfigLoad load = gateway::parseConfig(text);
  if (!load.ok()) invariantBroken(__FILE__, __LINE__, "the fixed route config loads", load.errors.text());
  return load.config;
}

std::vector<std::string_view> segmentsOf(std::string_view path) {
  std::vector<std::string_view> out;
  gateway::forEachSegment(path, [&](std::string_view s) { out.push_back(s); });
  return out;
}

bool hostAccepts(const gateway::RouteConfig& r, std::string_view host) {
  if (r.hosts.empty()) return true;
  for (const auto& h : r.hosts) {
    if (h.rfind("*.", 0) == 0) {
      const std::string_view suffix = std::string_view(h).substr(1);
      if (host.size() > suffix.size() && gateway::iequals(host.substr(host.size() - suffix.size()), suffix)) return true;
    } else if (gateway::iequals(h, host)) {
      return true;
    }
  }
  return false;
}

bool fieldsAccept(const gateway::RouteConfig& r, const gateway::Headers& headers) {
  return std::all_of(r.headers.begin(), r.headers.end(), [&](const gateway::HeaderMatch& m) {
    const auto v = headers.find(m.name);
    return v && (!m.value || *v == *m.value);
  });
}

// The route's path pattern alone, by the rules in libgateway/README.md.
bool pathAccepts(const gateway::RouteConfig& r, std::string_view path) {
  const auto want = segmentsOf(r.path);
  const auto got = segmentsOf(path);
  switch (r.pathType) {
    case gateway::PathMatchType::kExact: return want == got;
    case gateway::PathMatchType::kPrefix: {
      // A prefix written with a trailing slash ("/static/") has a last empty segment that
      // only a path with something after it (or that slash) matches.
      std::size_t n = want.size();
      if (n > 0 && want.back().empty()) --n;
      return got.size() >= n && std::equal(want.begin(), want.begin() + static_cast<std::ptrdiff_t>(n), got.begin());
    }
    case gateway::PathMatchType::kTemplate: {
      if (want.size() != got.size()) return false;
      for (std::size_t i = 0; i < want.size(); ++i) {
        const bool param = want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}';
        if (param ? got[i].empty() : want[i] != got[i]) return false;
      }
      return true;
    }
  }
  return false;
}

bool methodAccepts(const gateway::RouteConfig& r, std::string_view method) {
  return r.methods.empty() || std::find(r.methods.begin(), r.methods.end(), method) != r.methods.end();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::shared_ptr<const gateway::Config> config = routeFuzzConfig();
  static const gateway::RouteTable table(config->routes);
  std::vector<std::string_view> lines;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  while (lines.size() < 3) {
    const auto nl = in.find('\n');
    lines.push_back(in.substr(0, nl));
    if (nl == std::string_view::npos) {
      in = {};
      break;
    }
    in.remove_prefix(nl + 1);
  }
  if (lines.size() < 3) return 0;
  const std::string_view method = lines[0], host = lines[1], target = lines[2];
  gateway::Headers headers;
  for (int n = 0; n < 16 && !in.empty(); ++n) {
    const auto nl = in.find('\n');
    const std::string_view line = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    headers.add(line.substr(0, colon), value);
  }

  // Path normalisation, as the Gateway applies it before the match.
  const gateway::PathNormalization norm = gateway::normalizeTarget(target);
  if (!norm.ok()) return 0;
  const std::string normalized(norm.changed ? norm.value : std::string(target));
  FUZZ_CHECK(norm.changed == (normalized != target), "`changed` is wrong for " + std::string(target));
  const gateway::PathNormalization twice = gateway::normalizeTarget(normalized);
  FUZZ_CHECK(twice.ok() && !twice.changed, "not idempotent: " + std::string(target) + " -> " + normalized + " -> " +
                                               (twice.ok() ? twice.value : twice.error));
  const auto q = target.find('?');
  const auto nq = normalized.find('?');
  FUZZ_CHECK((q == std::string_view::npos) == (nq == std::string::npos), "the query appeared or went: " + normalized);
  if (q != std::string_view::npos) FUZZ_CHECK(target.substr(q) == std::string_view(normalized).substr(nq), "the query changed");
  if (q == std::string_view::npos) {
    const gateway::PathNormalization asPath = gateway::normalizePath(target);
    FUZZ_CHECK(asPath.ok() && (asPath.changed ? asPath.value : std::string(target)) == normalized,
               "path and target normalise differently: " + std::string(target));
  }
  // The path alone, in a buffer of its own: a view that strays outside it is an ASan report.
  const std::string_view pathView = std::string_view(normalized).substr(0, nq);
  std::unique_ptr<char[]> pathBuffer(new char[pathView.size() + 1]);
  std::copy(pathView.begin(), pathView.end(), pathBuffer.get());
  const std::string_view path(pathBuffer.get(), pathView.size());
  if (!path.empty() && path.front() == '/') {
    for (const auto seg : segmentsOf(path.substr(0, path.size() - (path.back() == '/' ? 1 : 0)))) {
      FUZZ_CHECK(!seg.empty() && seg != "." && seg != "..", "a normalised path keeps segment \"" + std::string(seg) + "\": " + normalized);
    }
  }

  // The route match.
  const gateway::RouteMatch m = table.match(method, host, path, headers);
  const gateway::RouteMatch again = table.match(method, host, path, headers);
  FUZZ_CHECK(m.kind == again.kind && m.routeIndex == again.routeIndex, "matching twice gave two answers");
  const auto& routes = config->routes;
  auto takes = [&](const gateway::RouteConfig& r) { return hostAccepts(r, host) && fieldsAccept(r, headers) && pathAccepts(r, path); };
  const std::string request = std::string(method) + " " + std::string(host) + " " + std::string(path);
  switch (m.kind) {
    case gateway::RouteMatch::Kind::kMatched: {
      FUZZ_CHECK(m.routeIndex < routes.size(), "route index out of range");
      const gateway::RouteConfig& r = routes[m.routeIndex];
      FUZZ_CHECK(takes(r) && methodAccepts(r, method), "route " + r.name + " does not take " + request);
      if (r.pathType == gateway::PathMatchType::kTemplate) {
        std::size_t params = 0;
        for (const auto seg : segmentsOf(r.path)) params += seg.size() > 2 && seg.front() == '{';
        FUZZ_CHECK(m.captures.size() == params, "captures for route " + r.name + ": " + request);
        for (const auto& c : m.captures) {
          FUZZ_CHECK(!c.second.empty() && c.second.find('/') == std::string_view::npos, "capture \"" + std::string(c.second) + "\"");
          FUZZ_CHECK(c.second.data() >= path.data() && c.second.data() + c.second.size() <= path.data() + path.size(),
                     "a capture outside the path");
        }
      }
      if (r.pathType == gateway::PathMatchType::kPrefix) {
        FUZZ_CHECK(m.rest.empty() || (m.rest.data() >= path.data() && m.rest.data() + m.rest.size() == path.data() + path.size()),
                   "the rest of a prefix is not the end of the path: " + request);
        FUZZ_CHECK(m.rest.empty() || m.rest.front() == '/', "the rest of a prefix does not start with '/': " + request);
      }
      const std::string upstream = table.upstreamPath(m, path);
      if (!path.empty() && path.front() == '/') {
        FUZZ_CHECK(!upstream.empty() && upstream.front() == '/', "upstream path \"" + upstream + "\" for " + request);
      } else {
        FUZZ_CHECK(upstream == path, "the asterisk form was rewritten to \"" + upstream + "\"");
      }
      if (table.keepsPath(m)) FUZZ_CHECK(upstream == path, "a route that keeps the path changed it: " + request);
      break;
    }
    case gateway::RouteMatch::Kind::kMethodNotAllowed:
      FUZZ_CHECK(!m.allow.empty(), "a 405 without Allow: " + request);
      FUZZ_CHECK(std::none_of(routes.begin(), routes.end(), [&](const auto& r) { return takes(r) && methodAccepts(r, method); }),
                 "a 405 though a route takes " + request);
      FUZZ_CHECK(std::any_of(routes.begin(), routes.end(), takes), "a 405 though no route takes the path: " + request);
      break;
    case gateway::RouteMatch::Kind::kNotFound:
      FUZZ_CHECK(std::none_of(routes.begin(), routes.end(), takes), "a 404 though a route takes " + request);
      break;
  }
  return 0;
}
