#include "sim/model/catalog.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "libgateway/core/random.h"

namespace gwsim {

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 12> kFirst = {"Ada",  "Alan",  "Grace", "Linus", "Barbara", "Ken",
                                                     "Dennis", "Margaret", "Edsger", "Frances", "Donald", "Radia"};
constexpr std::array<std::string_view, 12> kLast = {"Lovelace", "Turing", "Hopper",   "Torvalds", "Liskov",  "Thompson",
                                                    "Ritchie",  "Hamilton", "Dijkstra", "Allen",    "Knuth",   "Perlman"};
constexpr std::array<std::string_view, 3> kTiers = {"free", "pro", "enterprise"};
constexpr std::array<std::string_view, 8> kCountries = {"DE", "FR", "US", "JP", "BR", "IN", "NL", "SE"};
constexpr std::array<std::string_view, 8> kAdjectives = {"Quiet", "Rapid", "Sturdy", "Tiny",
                                                         "Bright", "Classic", "Modular", "Smart"};
constexpr std::array<std::string_view, 8> kNouns = {"Kettle", "Lamp", "Backpack", "Keyboard",
                                                    "Bottle", "Chair", "Headphones", "Notebook"};
constexpr std::array<std::string_view, 5> kCategories = {"home", "office", "outdoor", "audio", "kitchen"};
constexpr std::array<std::string_view, 4> kOrderStatus = {"delivered", "shipped", "processing", "cancelled"};
constexpr std::array<std::string_view, 3> kWarehouses = {"FRA-1", "AMS-2", "IAD-1"};
constexpr std::array<std::string_view, 5> kTitles = {"Does the job", "Great value", "Not for me", "Excellent",
                                                     "Broke after a week"};

template <std::size_t N>
std::string_view pick(const std::array<std::string_view, N>& list, std::uint64_t h) {
  return list[h % N];
}

std::optional<std::int64_t> parseId(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::string_view> queryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

gateway::Response notFound(std::string_view what) { return gateway::errorResponse(404, "not_found", what); }

gateway::Response methodNotAllowed(const gateway::Request& r, std::string_view allow) {
  gateway::Response out = gateway::errorResponse(405, "method_not_allowed", fmt::format("{} is not allowed on {}", r.method, r.path()));
  out.headers.set("Allow", allow);
  return out;
}

gateway::Response badParameter(std::string_view name, std::string_view why) {
  return gateway::errorResponse(400, "bad_parameter", fmt::format("{}: {}", name, why));
}

}  // namespace

gateway::Response jsonResponse(int status, const nlohmann::json& body) {
  gateway::Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.headers.set("Content-Type", "application/json");
  return r;
}


std::uint64_t Catalog::hash(std::string_view what, std::int64_t id) const {
  return gateway::mix64(gateway::stableHash(what, seed_) ^ static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ULL);
}

gateway::Response echoResponse(const gateway::Request& request) {
  json headers = json::array();
  for (const auto& f : request.headers) headers.push_back({f.name, f.value});
  json body = {{"method", request.method},     {"target", request.target},
               {"path", request.path()},       {"query", request.query()},
               {"headers", headers},           {"body_bytes", request.body.size()},
               {"client", request.clientAddress}};
  // Bodies up to 64 KiB are echoed (invalid UTF-8 replaced by U+FFFD), larger ones counted.
  if (request.body.size() <= 64 * 1024) body["body"] = request.body;
  return jsonResponse(200, body);
}

const std::vector<std::string_view>& Catalog::kinds() {
  static const std::vector<std::string_view> kKinds = {"users",     "orders",  "products",        "payments",
                                                       "inventory", "reviews", "recommendations", "echo"};
  return kKinds;
}

bool Catalog::knownKind(std::string_view kind) {
  const auto& k = kinds();
  return std::find(k.begin(), k.end(), kind) != k.end();
}

gateway::Response Catalog::answer(std::string_view kind, const gateway::Request& request) const {
  if (kind == "echo" || request.path() == "/_echo" || request.path().starts_with("/_echo/")) return echoResponse(request);
  if (kind == "users") return users(request);
  if (kind == "orders") return orders(request);
  if (kind == "products") return products(request);
  if (kind == "payments") return payments(request);
  if (kind == "inventory") return inventory(request);
  if (kind == "reviews") return reviews(request);
  if (kind == "recommendations") return recommendations(request);
  return notFound(fmt::format("unknown service kind {}", kind));
}

namespace {

json userJson(const Catalog& c, std::int64_t id, std::uint64_t h) {
  (void)c;
  const std::string_view first = pick(kFirst, h);
  const std::string_view last = pick(kLast, h >> 8);
  std::string email = fmt::format("{}.{}{}@example.com", first, last, id);
  for (auto& ch : email) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return {{"id", id},
          {"name", fmt::format("{} {}", first, last)},
          {"email", email},
          {"tier", pick(kTiers, h >> 16)},
          {"country", pick(kCountries, h >> 20)},
          {"created_at", fmt::format("20{:02}-{:02}-{:02}T10:00:00Z", 18 + (h >> 24) % 6, 1 + (h >> 28) % 12,
                                     1 + (h >> 32) % 28)}};
}

}  // namespace

gateway::Response Catalog::users(const gateway::Request& r) const {
  const auto seg = segments(r.path());
  if (seg.empty() || seg[0] != "users") return notFound(fmt::format("no resource at {}", r.path()));
  if (r.method != "GET" && r.method != "HEAD") return methodNotAllowed(r, "GET, HEAD");
  if (seg.size() == 2) {
    const auto id = parseId(seg[1]);
    if (!id) return badParameter("id", fmt::format("\"{}\" is not a number", seg[1]));
    if (*id < 1 || *id > kUsers) return notFound(fmt::format("no user {}", *id));
    return jsonResponse(200, userJson(*this, *id, hash("user", *id)));
  }
  if (seg.size() != 1) return notFound(fmt::format("no resource at {}", r.path()));
  std::int64_t limit = 20, offset = 0;
  if (auto v = queryParam(r.query(), "limit")) {
    auto n = parseId(*v);
    if (!n || *n < 1 || *n > 100) return badParameter("limit", "expected 1-100");
    limit = *n;
  }
  if (auto v = queryParam(r.query(), "offset")) {
    auto n = parseId(*v);
    if (!n || *n < 0) return badParameter("offset", "expected a number >= 0");
    offset = *n;
  }
  json list = json::array();
  for (std::int64_t id = offset + 1; id <= std::min(kUsers, offset + limit); ++id) {
    list.push_back(userJson(*this, id, hash("user", id)));
  }
  return jsonResponse(200, {{"users", list}, {"total", kUsers}, {"offset", offset}, {"limit", limit}});
}

gateway::Response Catalog::products(const gateway::Request& r) const {
  const auto seg = segments(r.path());
  if (seg.empty() || seg[0] != "products") return notFound(fmt::format("no resource at {}", r.path()));
  if (r.method != "GET" && r.method != "HEAD") return methodNotAllowed(r, "GET, HEAD");
  auto product = [this](std::int64_t id) {
    const std::uint64_t h = hash("product", id);
    return json{{"id", id},
                {"name", fmt::format("{} {}", pick(kAdjectives, h), pick(kNouns, h >> 8))},
                {"category", pick(kCategories, h >> 16)},
                {"price_cents", 199 + static_cast<std::int64_t>((h >> 24) % 20000)},
                {"currency", "EUR"}};
  };
  if (seg.size() == 2) {
    const auto id = parseId(seg[1]);
    if (!id) return badParameter("id", fmt::format("\"{}\" is not a number", seg[1]));
    if (*id < 1 || *id > kProducts) return notFound(fmt::format("no product {}", *id));
    return jsonResponse(200, product(*id));
  }
  if (seg.size() != 1) return notFound(fmt::format("no resource at {}", r.path()));
  const auto category = queryParam(r.query(), "category");
  std::int64_t limit = 20;
  if (auto v = queryParam(r.query(), "limit")) {
    auto n = parseId(*v);
    if (!n || *n < 1 || *n > 100) return badParameter("limit", "expected 1-100");
    limit = *n;
  }
  json list = json::array();
  for (std::int64_t id = 1; id <= kProducts && static_cast<std::int64_t>(list.size()) < limit; ++id) {
    json p = product(id);
    if (category && p["category"] != *category) continue;
    list.push_back(std::move(p));
  }
  return jsonResponse(200, {{"products", list}});
}

gateway::Response Catalog::orders(const gateway::Request& r) const {
  const auto seg = segments(r.path());
  if (seg.empty() || seg[0] != "orders") return notFound(fmt::format("no resource at {}", r.path()));
  auto order = [this](std::int64_t userId, std::int64_t k) {
    const std::uint64_t h = hash("order", userId * 10 + k);
    json items = json::array();
    std::int64_t total = 0;
    for (std::uint64_t j = 0; j < 1 + h % 3; ++j) {
      const std::int64_t productId = 1 + static_cast<std::int64_t>((h >> (8 + 8 * j)) % kProducts);
      const std::int64_t quantity = 1 + static_cast<std::int64_t>((h >> (4 + 8 * j)) % 3);
      total += quantity * (199 + static_cast<std::int64_t>((hash("product", productId) >> 24) % 20000));
      items.push_back({{"product_id", productId}, {"quantity", quantity}});
    }
    return json{{"id", userId * 10 + k},
                {"user_id", userId},
                {"items", items},
                {"total_cents", total},
                {"status", pick(kOrderStatus, h >> 40)}};
  };
  auto orderCount = [this](std::int64_t userId) { return static_cast<std::int64_t>(hash("orders", userId) % 5); };
  if (r.method == "POST" && seg.size() == 1) {
    const std::int64_t id = 100000 + static_cast<std::int64_t>(gateway::stableHash(r.body, seed_) % 900000);
    return jsonResponse(201, {{"id", id}, {"status", "created"}, {"body_bytes", r.body.size()}});
  }
  if (r.method != "GET" && r.method != "HEAD") return methodNotAllowed(r, seg.size() == 1 ? "GET, HEAD, POST" : "GET, HEAD");
  if (seg.size() == 2) {
    const auto id = parseId(seg[1]);
    if (!id) return badParameter("id", fmt::format("\"{}\" is not a number", seg[1]));
    const std::int64_t userId = *id / 10, k = *id % 10;
    if (userId < 1 || userId > kUsers || k >= orderCount(userId)) return notFound(fmt::format("no order {}", *id));
    return jsonResponse(200, order(userId, k));
  }
  if (seg.size() != 1) return notFound(fmt::format("no resource at {}", r.path()));
  const auto user = queryParam(r.query(), "userId");
  if (!user) return badParameter("userId", "required (/orders?userId=42)");
  const auto userId = parseId(*user);
  if (!userId) return badParameter("userId", fmt::format("\"{}\" is not a number", *user));
  if (*userId < 1 || *userId > kUsers) return notFound(fmt::format("no user {}", *userId));
  json list = json::array();
  for (std::int64_t k = 0; k < orderCount(*userId); ++k) list.push_back(order(*userId, k));
  return jsonResponse(200, {{"user_id", *userId}, {"orders", list}});
}

gateway::Response Catalog::payments(const gateway::Request& r) const {
  const auto seg = segments(r.path());
  if (seg.empty() || seg[0] != "payments") return notFound(fmt::format("no resource at {}", r.path()));
  if (seg.size() == 1) {
    if (r.method != "POST") return methodNotAllowed(r, "POST");
    const json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return badParameter("body", "expected a JSON object");
    const std::int64_t amount = body.value("amount_cents", std::int64_t{0});
    if (amount <= 0) return badParameter("amount_cents", "expected a positive integer");
    const std::uint64_t h = gateway::stableHash(r.body, seed_);
    return jsonResponse(201, {{"id", fmt::format("pay_{:016x}", h)},
                              {"status", amount > 100000 ? "declined" : "authorized"},
                              {"order_id", body.value("order_id", json())},
                              {"amount_cents", amount}});
  }
  if (seg.size() == 2) {
    if (r.method != "GET" && r.method != "HEAD") return methodNotAllowed(r, "GET, HEAD");
    if (!seg[1].starts_with("pay_")) return notFound(fmt::format("no payment {}", seg[1]));
    return jsonResponse(200, {{"id", seg[1]}, {"status", "captured"}});
  }
  return notFound(fmt::format("no resource at {}", r.path()));
}

gateway::Response Catalog::inventory(const gateway::Request& r) const {
  const auto seg = segments(r.path());
  if (seg.size() != 2 || seg[0] != "inventory") return notFound(fmt::format("no resource at {}", r.path()));
  if (r.method != "GET" && r.method != "HEAD") return methodNotAllowed(r, "GET, HEAD");
  const auto id = parseId(seg[1]);
  if (!id) return badParameter("productId", fmt::format("\"{}\" is not a number", seg[1]));
  if (*id < 1 || *id > kProducts) return notFound(fmt::format("no product {}", *id));
  const std::uint64_t h = hash("inventory", *id);
  return jsonResponse(200, {{"product_id", *id},
                            {"available", static_cast<std::int64_t>(h % 200)},
                            {"reserved", static_cast<std::int64_t>((h >> 8) % 10)},
                            {"warehouse", pick(kWarehouses, h >> 16)}});
}

gateway::Response Catalog::reviews(const gateway::Request& r) const {
  const auto seg = segments(r.path());
  if (seg.size() != 1 || seg[0] != "reviews") return notFound(fmt::format("no resource at {}", r.path()));
  if (r.method != "GET" && r.method != "HEAD") return methodNotAllowed(r, "GET, HEAD");
  const auto p = queryParam(r.query(), "productId");
  if (!p) return badParameter("productId", "required (/reviews?productId=7)");
  const auto id = parseId(*p);
  if (!id) return badParameter("productId", fmt::format("\"{}\" is not a number", *p));
  if (*id < 1 || *id > kProducts) return notFound(fmt::format("no product {}", *id));
  const std::uint64_t count = hash("reviews", *id) % 6;
  json list = json::array();
  double sum = 0;
  for (std::uint64_t k = 0; k < count; ++k) {
    const std::uint64_t h = hash("review", *id * 100 + static_cast<std::int64_t>(k));
    const int rating = 1 + static_cast<int>(h % 5);
    sum += rating;
    list.push_back({{"id", *id * 100 + static_cast<std::int64_t>(k)},
                    {"user_id", 1 + static_cast<std::int64_t>((h >> 8) % kUsers)},
                    {"rating", rating},
                    {"title", pick(kTitles, h >> 24)}});
  }
  return jsonResponse(200, {{"product_id", *id}, {"reviews", list}, {"average", count ? sum / count : 0.0}});
}

gateway::Response Catalog::recommendations(const gateway::Request& r) const {
  const auto seg = segments(r.path());
  if (seg.size() != 1 || seg[0] != "recommendations") return notFound(fmt::format("no resource at {}", r.path()));
  if (r.method != "GET" && r.method != "HEAD") return methodNotAllowed(r, "GET, HEAD");
  const auto u = queryParam(r.query(), "userId");
  if (!u) return badParameter("userId", "required (/recommendations?userId=42)");
  const auto id = parseId(*u);
  if (!id) return badParameter("userId", fmt::format("\"{}\" is not a number", *u));
  if (*id < 1 || *id > kUsers) return notFound(fmt::format("no user {}", *id));
  json products = json::array();
  for (std::int64_t k = 0; k < 5; ++k) {
    products.push_back(1 + static_cast<std::int64_t>(hash("recommendation", *id * 10 + k) % kProducts));
  }
  return jsonResponse(200, {{"user_id", *id}, {"products", products}});
}

}  // namespace gwsim
