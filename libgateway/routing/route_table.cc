#include "libgateway/routing/route_table.h"

#include <algorithm>
#include <array>
#include <functional>
#include <set>

namespace gateway {

// Named, not anonymous: RouteTable::Impl (external linkage) holds these as fields.
namespace route_table_detail {

constexpr std::uint32_t kNone = UINT32_MAX;
constexpr std::size_t kMaxInlineSegments = 32;

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct Node {
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> literal;
  std::uint32_t param = kNone;
  std::vector<std::uint32_t> terminal;  // exact and template routes that end here
  std::vector<std::uint32_t> prefix;    // prefix routes anchored here
};

struct CompiledRoute {
  const RouteConfig* config = nullptr;  // points into `routes` copy held by Impl
  ParsedPath parsed;
  RewriteTemplate rewrite;
  bool hasRewrite = false;
  std::uint64_t rank = 0;  // higher is more specific; the host score is added per request
  std::string allow;       // "GET, POST" for 405 answers
};

// How specifically `host` matches the route's hosts, the best of them: 512 for an exact
// name, 1 + pattern length for a wildcard (longer first), 0 for a route without hosts;
// -1 when none matches. The host that matched decides, not the route's most specific one.
int hostScore(const std::vector<std::string>& hosts, std::string_view host) {
  if (hosts.empty()) return 0;
  int best = -1;
  for (const auto& h : hosts) {
    if (h.rfind("*.", 0) == 0) {
      const std::string_view suffix = std::string_view(h).substr(1);  // ".example.com"
      if (host.size() > suffix.size() && iequals(host.substr(host.size() - suffix.size()), suffix)) {
        best = std::max(best, 1 + static_cast<int>(std::min<std::size_t>(h.size(), 254)));
      }
    } else if (iequals(h, host)) {
      return 512;
    }
  }
  return best;
}

bool headersMatch(const std::vector<HeaderMatch>& matchers, const Headers& headers) {
  for (const auto& m : matchers) {
    const auto v = headers.find(m.name);
    if (!v) return false;
    if (m.value && *v != *m.value) return false;
  }
  return true;
}

bool methodMatches(const std::vector<std::string>& methods, std::string_view method) {
  if (methods.empty()) return true;
  return std::find(methods.begin(), methods.end(), method) != methods.end();
}

// The rank without the host part, which depends on the request (hostScore).
std::uint64_t computeRank(const RouteConfig& rc, const ParsedPath& parsed) {
  const std::uint64_t kind = rc.pathType == PathMatchType::kExact ? 3 : rc.pathType == PathMatchType::kTemplate ? 2 : 1;
  std::uint64_t literals = 0;
  std::uint64_t firstParam = parsed.segments.size();
  for (std::size_t i = 0; i < parsed.segments.size(); ++i) {
    if (!parsed.segments[i].isParam) ++literals;
    else firstParam = std::min<std::uint64_t>(firstParam, i);
  }
  literals = std::min<std::uint64_t>(literals, 255);
  firstParam = std::min<std::uint64_t>(firstParam, 255);
  const std::uint64_t headers = std::min<std::uint64_t>(rc.headers.size(), 255);
  const std::uint64_t method = rc.methods.empty() ? 0 : 1;
  return (kind << 32) | (literals << 24) | (firstParam << 16) | (headers << 8) | method;
}

}  // namespace route_table_detail

namespace {
using route_table_detail::CompiledRoute;
using route_table_detail::computeRank;
using route_table_detail::headersMatch;
using route_table_detail::hostScore;
using route_table_detail::methodMatches;
using route_table_detail::kMaxInlineSegments;
using route_table_detail::kNone;
using route_table_detail::Node;
}  // namespace

struct RouteTable::Impl {
  std::vector<RouteConfig> routes;
  std::vector<CompiledRoute> compiled;
  std::vector<Node> nodes;

  std::uint32_t child(std::uint32_t node, const PathSegment& seg) {
    if (seg.isParam) {
      if (nodes[node].param == kNone) {
        nodes[node].param = static_cast<std::uint32_t>(nodes.size());
        nodes.emplace_back();
      }
      return nodes[node].param;
    }
    auto it = nodes[node].literal.find(seg.text);
    if (it != nodes[node].literal.end()) return it->second;
    const auto id = static_cast<std::uint32_t>(nodes.size());
    nodes[node].literal.emplace(seg.text, id);
    nodes.emplace_back();
    return id;
  }

  // Collects every route whose path matches, walking literal and parameter branches.
  template <class Sink>
  void collect(std::uint32_t node, const std::string_view* segs, std::size_t n, std::size_t depth, Sink& sink) const {
    const Node& nd = nodes[node];
    for (auto r : nd.prefix) sink(r, depth);
    if (depth == n) {
      for (auto r : nd.terminal) sink(r, depth);
      return;
    }
    const std::string_view seg = segs[depth];
    if (!nd.literal.empty()) {
      auto it = nd.literal.find(seg);
      if (it != nd.literal.end()) collect(it->second, segs, n, depth + 1, sink);
    }
    if (nd.param != kNone && !seg.empty()) collect(nd.param, segs, n, depth + 1, sink);
  }
};

RouteTable::RouteTable(const std::vector<RouteConfig>& routes) : impl_(std::make_unique<Impl>()) {
  impl_->routes = routes;
  impl_->nodes.emplace_back();  // root
  impl_->compiled.resize(impl_->routes.size());
  for (std::size_t i = 0; i < impl_->routes.size(); ++i) {
    const RouteConfig& rc = impl_->routes[i];
    CompiledRoute& cr = impl_->compiled[i];
    cr.config = &rc;
    cr.parsed = parsePath(rc.path, rc.pathType == PathMatchType::kTemplate);
    if (rc.rewrite) {
      std::string why;
      cr.rewrite = RewriteTemplate::parse(*rc.rewrite, why);
      cr.hasRewrite = why.empty();
    }
    cr.rank = computeRank(rc, cr.parsed);
    for (const auto& m : rc.methods) cr.allow += (cr.allow.empty() ? "" : ", ") + m;
    std::uint32_t node = 0;
    for (const auto& seg : cr.parsed.segments) node = impl_->child(node, seg);
    if (rc.pathType == PathMatchType::kPrefix) {
      impl_->nodes[node].prefix.push_back(static_cast<std::uint32_t>(i));
    } else {
      if (cr.parsed.trailingSlash) node = impl_->child(node, PathSegment{"", false});
      impl_->nodes[node].terminal.push_back(static_cast<std::uint32_t>(i));
    }
  }
}

RouteTable::~RouteTable() = default;
RouteTable::RouteTable(RouteTable&&) noexcept = default;
RouteTable& RouteTable::operator=(RouteTable&&) noexcept = default;

std::size_t RouteTable::size() const { return impl_->routes.size(); }

RouteMatch RouteTable::match(std::string_view method, std::string_view host, std::string_view path,
                             const Headers& headers) const {
  // Left uninitialised (a union member), each view made as its segment is found: zeroing 32
  // views cost as much as the rest of a short path's match.
  union Segments {
    Segments() {}
    std::string_view items[kMaxInlineSegments];
  } inlineSegs;
  std::vector<std::string_view> heapSegs;
  std::size_t n = 0;
  forEachSegment(path, [&](std::string_view s) {
    if (n < kMaxInlineSegments) inlineSegs.items[n] = s;
    else {
      if (heapSegs.empty()) heapSegs.assign(inlineSegs.items, inlineSegs.items + kMaxInlineSegments);
      heapSegs.push_back(s);
    }
    ++n;
  });
  const std::string_view* segs = heapSegs.empty() ? inlineSegs.items : heapSegs.data();

  std::uint32_t best = kNone;
  std::uint64_t bestRank = 0;
  std::size_t bestDepth = 0;
  bool methodMiss = false;
  auto sink = [&](std::uint32_t r, std::size_t depth) {
    const CompiledRoute& cr = impl_->compiled[r];
    // Host specificity dominates, as in Envoy's virtual hosts.
    const int hs = hostScore(cr.config->hosts, host);
    if (hs < 0) return;
    const std::uint64_t rank = (static_cast<std::uint64_t>(hs) << 40) | cr.rank;
    if (best != kNone && (rank < bestRank || (rank == bestRank && r > best))) return;
    if (!headersMatch(cr.config->headers, headers)) return;
    if (!methodMatches(cr.config->methods, method)) {
      methodMiss = true;
      return;
    }
    best = r;
    bestRank = rank;
    bestDepth = depth;
  };
  impl_->collect(0, segs, n, 0, sink);

  RouteMatch out;
  if (best == kNone) {
    if (!methodMiss) return out;
    // 405 only when no route at all accepts the request: list the methods that would.
    std::set<std::string_view> allowed;
    auto allowSink = [&](std::uint32_t r, std::size_t) {
      const CompiledRoute& cr = impl_->compiled[r];
      if (hostScore(cr.config->hosts, host) < 0 || !headersMatch(cr.config->headers, headers)) return;
      for (const auto& m : cr.config->methods) allowed.insert(m);
    };
    impl_->collect(0, segs, n, 0, allowSink);
    out.kind = RouteMatch::Kind::kMethodNotAllowed;
    for (auto m : allowed) out.allow += (out.allow.empty() ? "" : ", ") + std::string(m);
    return out;
  }

  out.kind = RouteMatch::Kind::kMatched;
  out.routeIndex = best;
  const CompiledRoute& cr = impl_->compiled[best];
  if (cr.config->pathType == PathMatchType::kTemplate) {
    for (std::size_t i = 0; i < cr.parsed.segments.size() && i < n; ++i) {
      if (cr.parsed.segments[i].isParam) out.captures.emplace_back(cr.parsed.segments[i].text, segs[i]);
    }
  } else if (cr.config->pathType == PathMatchType::kPrefix) {
    // The rest begins at the '/' after the last prefix segment. A path that is not one
    // ("*" of OPTIONS *) has no '/' before its first segment and no rest.
    if (bestDepth < n && segs[bestDepth].data() > path.data()) {
      const char* restStart = segs[bestDepth].data() - 1;
      out.rest = std::string_view(restStart, static_cast<std::size_t>(path.data() + path.size() - restStart));
    }
  }
  return out;
}

bool RouteTable::keepsPath(const RouteMatch& match) const {
  const CompiledRoute& cr = impl_->compiled[match.routeIndex];
  return !cr.hasRewrite && !cr.config->stripPrefix;
}

std::string RouteTable::upstreamPath(const RouteMatch& match, std::string_view path) const {
  // The asterisk form (OPTIONS *) names the server, not a path: nothing to rewrite.
  if (path.empty() || path.front() != '/') return std::string(path);
  const CompiledRoute& cr = impl_->compiled[match.routeIndex];
  if (cr.hasRewrite) {
    Captures caps;
    caps.reserve(match.captures.size());
    for (const auto& [name, value] : match.captures) caps.emplace_back(name, std::string(value));
    return cr.rewrite.expand(caps, match.rest);
  }
  if (cr.config->stripPrefix) {
    return match.rest.empty() ? std::string("/") : std::string(match.rest);
  }
  return std::string(path);
}

}  // namespace gateway
