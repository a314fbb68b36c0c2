// The route table: finds the route for a request by host, method, path (exact, prefix at a
// segment boundary, or template with {param}) and headers. Paths are kept in a segment trie,
// so a lookup walks the request path once whatever the number of routes.
// Precedence, most specific first (deterministic; see libgateway/README.md):
//   host (exact > wildcard, longer wildcard first > any) > path kind (exact > template >
//   prefix) > more literal segments (templates: later first parameter; prefixes: longer) >
//   more header matchers > a method list > earlier in the config.
// Immutable after build(): safe to share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "libgateway/config/config.h"
#include "libgateway/http/headers.h"
#include "libgateway/routing/path_template.h"

namespace gateway {

// Template captures without a heap allocation: config validation caps a template at
// kMaxParams parameters.
class RouteCaptures {
 public:
  static constexpr std::size_t kMaxParams = 8;
  // (parameter name, raw value); trivially copyable, so copies are a memcpy.
  struct Capture {
    std::string_view first;
    std::string_view second;
  };
  static_assert(std::is_trivially_copyable_v<Capture>);

  RouteCaptures() {}  // user-provided: the captures stay uninitialised until added
  // Only the captures in use are copied (a RouteMatch is copied per request; zeroing and
  // copying the whole array was most of that copy).
  RouteCaptures(const RouteCaptures& o) : size_(o.size_) {
    for (std::size_t i = 0; i < size_; ++i) items_[i] = o.items_[i];
  }
  RouteCaptures& operator=(const RouteCaptures& o) {
    size_ = o.size_;
    for (std::size_t i = 0; i < size_; ++i) items_[i] = o.items_[i];
    return *this;
  }

  void emplace_back(std::string_view name, std::string_view value) {
    if (size_ < kMaxParams) items_[size_++] = Capture{name, value};
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Capture& operator[](std::size_t i) const { return items_[i]; }
  const Capture* begin() const { return items_; }
  const Capture* end() const { return items_ + size_; }

 private:
  // A union member is not initialised by the constructor; an element's lifetime begins
  // when it is assigned (Capture's assignment is trivial).
  union {
    Capture items_[kMaxParams];
  };
  std::size_t size_ = 0;
};

struct RouteMatch {
  enum class Kind { kMatched, kNotFound, kMethodNotAllowed };
  Kind kind = Kind::kNotFound;
  std::size_t routeIndex = 0;  // index into Config::routes when matched
  // Template parameters as (name, raw value) views into the route and the request path.
  RouteCaptures captures;
  std::string_view rest;  // the request path after a matched prefix ("" or "/...")
  std::string allow;      // for kMethodNotAllowed: "GET, POST"
};

class RouteTable {
 public:
  // `routes` must have passed config validation; the table keeps a copy of what it needs.
  explicit RouteTable(const std::vector<RouteConfig>& routes);
  ~RouteTable();
  RouteTable(RouteTable&&) noexcept;
  RouteTable& operator=(RouteTable&&) noexcept;

  // `path` is the request path without the query.
  RouteMatch match(std::string_view method, std::string_view host, std::string_view path,
                   const Headers& headers) const;

  // The path to send upstream: rewrite template, strip_prefix, or the path unchanged.
  std::string upstreamPath(const RouteMatch& match, std::string_view path) const;
  // True when upstreamPath() is the request's own path (no rewrite, no strip_prefix).
  bool keepsPath(const RouteMatch& match) const;

  std::size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gateway
