// Headers, Request accessors, error responses and hop-by-hop removal.
#include "libgateway/http/headers.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "libgateway/core/random.h"
#include "libgateway/http/message.h"
#include "libgateway/pipeline/upstream_request.h"

namespace gateway {
namespace {

std::vector<std::string> names(const Headers& h) {
  std::vector<std::string> out;
  for (const auto f : h) out.push_back(std::string(f.name) + "=" + std::string(f.value));
  return out;
}

TEST(HeadersTest, CaseInsensitiveHelpers) {
  EXPECT_TRUE(iequals("Content-Type", "content-TYPE"));
  EXPECT_FALSE(iequals("Content-Type", "Content-Typo"));
  EXPECT_FALSE(iequals("abc", "abcd"));
  // Only A-Z fold: characters 0x20 apart that are not letters stay different.
  EXPECT_FALSE(iequals("a@b", "a`b"));
  EXPECT_FALSE(iequals("x[", "x{"));
  EXPECT_FALSE(iequals("a^", "a~"));
  EXPECT_FALSE(iequals("\xc1", "\xe1"));
  // Every pair of bytes agrees with folding A-Z by hand.
  for (int x = 0; x < 256; ++x) {
    for (int y = 0; y < 256; ++y) {
      auto fold = [](int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
      const char a = static_cast<char>(x), b = static_cast<char>(y);
      ASSERT_EQ(iequals(std::string_view(&a, 1), std::string_view(&b, 1)), fold(x) == fold(y)) << x << " " << y;
    }
  }
  EXPECT_EQ(toLower("X-Forwarded-FOR"), "x-forwarded-for");
}

TEST(HeadersTest, FindGetAllAreCaseInsensitiveAndOrdered) {
  Headers h{{"Accept", "a"}, {"X-Tag", "1"}, {"x-tag", "2"}, {"Host", "example.com"}};
  ASSERT_TRUE(h.find("X-TAG"));
  EXPECT_EQ(*h.find("X-TAG"), "1");
  EXPECT_EQ(h.get("host"), "example.com");
  EXPECT_EQ(h.get("missing", "fallback"), "fallback");
  EXPECT_FALSE(h.find("missing"));
  EXPECT_TRUE(h.has("ACCEPT"));
  EXPECT_EQ(h.all("x-tag"), (std::vector<std::string_view>{"1", "2"}));
  EXPECT_EQ(h.size(), 4u);
}

TEST(HeadersTest, AddKeepsDuplicatesSetReplacesInPlace) {
  Headers h;
  h.add("A", "1");
  h.add("B", "x");
  h.add("a", "2");
  h.add("C", "y");
  EXPECT_EQ(h.all("A").size(), 2u);
  h.set("A", "3");  // the first field keeps its position, later duplicates go
  EXPECT_EQ(names(h), (std::vector<std::string>{"A=3", "B=x", "C=y"}));
  h.set("D", "4");  // absent: appended
  EXPECT_EQ(names(h).back(), "D=4");
}

TEST(HeadersTest, CopiesKeepRepeatedFieldsAndOrder) {
  Headers h{{"Set-Cookie", "a=1"}, {"X", "x"}, {"set-cookie", "b=2"}};
  h.remove("x");
  const Headers copy(h);
  EXPECT_EQ(names(copy), (std::vector<std::string>{"Set-Cookie=a=1", "set-cookie=b=2"}));
  Headers assigned;
  assigned.add("Old", "gone");
  assigned = h;
  EXPECT_EQ(names(assigned), names(h));
  Headers moved(std::move(assigned));
  EXPECT_EQ(names(moved), names(h));
  EXPECT_TRUE(assigned.empty());  // NOLINT(bugprone-use-after-move): a moved-from Headers is empty
}

TEST(HeadersTest, RemoveReturnsCount) {
  Headers h{{"A", "1"}, {"b", "2"}, {"a", "3"}};
  EXPECT_EQ(h.remove("A"), 2u);
  EXPECT_EQ(h.remove("A"), 0u);
  EXPECT_EQ(names(h), (std::vector<std::string>{"b=2"}));
}

TEST(HeadersTest, SetOverwritesInPlaceOrAppendsALongerValue) {
  Headers h{{"A", "long-value"}, {"B", "b"}};
  h.set("a", "short");
  EXPECT_EQ(names(h), (std::vector<std::string>{"A=short", "B=b"}));
  h.set("B", std::string(300, 'x'));  // longer than the old value: new text, same position
  EXPECT_EQ(h.get("b").size(), 300u);
  EXPECT_EQ(names(h).front(), "A=short");
}

TEST(HeadersTest, CopiesFieldsOfItselfSafely) {
  // A value taken from the same Headers stays valid while the buffer grows or is compacted.
  Headers h;
  h.add("Seed", "0123456789");
  for (int i = 0; i < 200; ++i) h.add("Copy", h.get("seed"));
  for (const auto f : h) EXPECT_EQ(f.value, "0123456789");
  h.set("Seed", h.get("copy"));
  h.set("Longer", std::string(h.get("seed")) + std::string(h.get("seed")));
  h.set("Seed", h.get("longer"));
  EXPECT_EQ(h.get("seed"), "01234567890123456789");
  EXPECT_EQ(h.all("copy").size(), 200u);
}

TEST(HeadersTest, RepeatedSetsStayBounded) {
  // Values that outgrow their slot leave garbage; compaction keeps the buffer near the live size.
  Headers h{{"Keep", "k"}};
  for (int i = 0; i < 10000; ++i) {
    h.set("Grow", std::string(static_cast<std::size_t>(i % 64 + 1), 'g'));
    h.remove("Grow");
  }
  h.set("Last", "1");
  EXPECT_EQ(names(h), (std::vector<std::string>{"Keep=k", "Last=1"}));
  EXPECT_LT(h.textBytes(), 4096u);
  Headers copy = h;
  EXPECT_EQ(names(copy), names(h));
  copy.set("Keep", "changed");
  EXPECT_EQ(h.get("keep"), "k");
  EXPECT_EQ(copy.get("keep"), "changed");
}

// Random add/set/remove/copy/clear sequences against a plain vector model, with values
// taken from the Headers itself now and then (aliasing) and values long enough to force
// growth and compaction.
TEST(HeadersTest, BehavesLikeAListOfFieldsUnderRandomOperations) {
  using Model = std::vector<std::pair<std::string, std::string>>;
  const std::vector<std::string> names = {"A", "a", "Bb", "BB", "Set-Cookie", "x-long-field-name", "C"};
  gateway::Random random(7);
  for (int round = 0; round < 50; ++round) {
    Headers h;
    Model m;
    for (int step = 0; step < 200; ++step) {
      const std::string name = names[random.uniform(names.size())];
      std::string value(random.uniform(4) == 0 ? random.uniform(300) : random.uniform(12), 'a');
      for (auto& c : value) c = static_cast<char>('a' + random.uniform(26));
      const bool fromSelf = !m.empty() && random.uniform(5) == 0;
      const std::string_view v = fromSelf ? h[random.uniform(h.size())].value : std::string_view(value);
      const std::string copy(v);  // the model's own copy of what was passed
      switch (random.uniform(6)) {
        case 0:
        case 1:
          h.add(name, v);
          m.emplace_back(name, copy);
          break;
        case 2: {
          h.set(name, v);
          auto first = std::find_if(m.begin(), m.end(), [&](const auto& f) { return iequals(f.first, name); });
          if (first == m.end()) {
            m.emplace_back(name, copy);
          } else {
            first->second = copy;
            m.erase(std::remove_if(first + 1, m.end(), [&](const auto& f) { return iequals(f.first, name); }), m.end());
          }
          break;
        }
        case 3:
          h.remove(name);
          std::erase_if(m, [&](const auto& f) { return iequals(f.first, name); });
          break;
        case 4: {
          Headers c(h);
          h = std::move(c);
          break;
        }
        default:
          if (random.uniform(20) == 0) {
            h.clear();
            m.clear();
          }
          break;
      }
      ASSERT_EQ(h.size(), m.size()) << "round " << round << " step " << step;
      for (std::size_t i = 0; i < m.size(); ++i) {
        ASSERT_EQ(h[i].name, m[i].first);
        ASSERT_EQ(h[i].value, m[i].second);
      }
      for (const auto& n : names) {
        auto first = std::find_if(m.begin(), m.end(), [&](const auto& f) { return iequals(f.first, n); });
        ASSERT_EQ(h.get(n, "<none>"), first == m.end() ? std::string("<none>") : first->second);
      }
    }
  }
}

TEST(HeadersTest, EveryLengthOfNameAndValueRoundTrips) {
  // add() copies short names and values by size class (0-3, 4-7, 8-16, 17-32, longer); the
  // first field of a message takes a recycled block, and reserve() sizes one exactly.
  for (std::size_t n = 0; n <= 80; ++n) {
    std::string name(n == 0 ? 1 : n, 'n'), value(n, 'v');
    for (std::size_t i = 0; i < n; ++i) value[i] = static_cast<char>('a' + i % 26);
    if (n > 0) name.back() = 'z';
    Headers fresh;
    fresh.add(name, value);
    Headers reserved;
    reserved.reserve(3, 2 * (name.size() + value.size()));
    reserved.add("Before", "1");
    reserved.add(name, value);
    reserved.add(name, value);  // may outgrow the reserved block
    ASSERT_EQ(fresh.get(name), value) << n;
    ASSERT_EQ(reserved.size(), 3u);
    ASSERT_EQ(reserved[1].value, value) << n;
    ASSERT_EQ(reserved[2].name, name) << n;
    ASSERT_EQ(reserved[2].value, value) << n;
    ASSERT_EQ(reserved.get("before"), "1");
  }
}

TEST(RequestTest, PathQueryAndHost) {
  Request r;
  r.target = "/users/42?x=1&y=2";
  r.headers.add("Host", "API.example.com:8443");
  EXPECT_EQ(r.path(), "/users/42");
  EXPECT_EQ(r.query(), "x=1&y=2");
  EXPECT_EQ(r.host(), "API.example.com");

  r.target = "/plain";
  EXPECT_EQ(r.path(), "/plain");
  EXPECT_EQ(r.query(), "");
  r.target = "/empty?";
  EXPECT_EQ(r.path(), "/empty");
  EXPECT_EQ(r.query(), "");

  r.headers.set("host", "[2001:db8::1]:8080");
  EXPECT_EQ(r.host(), "[2001:db8::1]");
  r.headers.set("host", "example.org");
  EXPECT_EQ(r.host(), "example.org");
  r.headers.remove("host");
  EXPECT_EQ(r.host(), "");
}

TEST(ResponseTest, ErrorResponseIsJson) {
  const Response r = errorResponse(404, "no_route", "no route for GET /x");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers.get("content-type"), "application/json");
  const auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["error"]["status"], 404);
  EXPECT_EQ(body["error"]["code"], "no_route");
  EXPECT_EQ(body["error"]["message"], "no route for GET /x");
  EXPECT_EQ(reasonPhrase(405), "Method Not Allowed");
  EXPECT_EQ(reasonPhrase(504), "Gateway Timeout");
  EXPECT_EQ(reasonPhrase(299), "Unknown");
}

TEST(HopByHopTest, RemovesStandardFieldsAndThoseNamedInConnection) {
  Headers h{{"Connection", "keep-alive, X-Secret-Hop ,Upgrade"},
            {"Keep-Alive", "timeout=5"},
            {"Transfer-Encoding", "chunked"},
            {"TE", "trailers"},
            {"Trailer", "Expires"},
            {"Upgrade", "websocket"},
            {"Proxy-Connection", "keep-alive"},
            {"Proxy-Authorization", "Basic eA=="},
            {"x-secret-hop", "1"},
            {"connection", "X-Other"},
            {"X-Other", "2"},
            {"Authorization", "Bearer t"},
            {"Content-Type", "text/plain"},
            {"X-Keep", "yes"}};
  removeHopByHopHeaders(h);
  EXPECT_EQ(names(h), (std::vector<std::string>{"Authorization=Bearer t", "Content-Type=text/plain", "X-Keep=yes"}));
}

}  // namespace
}  // namespace gateway
