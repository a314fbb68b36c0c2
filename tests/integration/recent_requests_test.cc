// The admin API's recent-requests feed in process (libgateway/net/recent_requests.h): off
// until a reader asks and for kWatchWindow after, records merged from every worker's ring in
// completion order, a ring that overwrote unread records says so, and the text is JSON with
// RequestRecord's field names (strings escaped).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libgateway/net/recent_requests.h"
#include "libgateway/pipeline/exchange.h"

namespace gateway::net {
namespace {

using nlohmann::json;

struct RecentExchange {
  Exchange ex;
  Response response;
  explicit RecentExchange(std::string target, int status = 200) {
    ex.request.method = "GET";
    ex.request.target = std::move(target);
    ex.request.clientAddress = "127.0.0.1:5000";
    ex.consumer = "acme";
    ex.outcome = "upstream";
    ex.start = seconds(1);
    ex.end = seconds(1) + millis(3);
    response.status = status;
    response.headers.set("X-Cache", "MISS");
  }
};

TEST(RecentRequestsTest, RecordsOnlyWhileSomeoneReads) {
  RecentRequests feed(1);
  const TimePoint t0 = seconds(100);
  EXPECT_FALSE(feed.watched(t0)) << "nobody asked yet";
  json first = json::parse(feed.since(0, t0));
  EXPECT_EQ(first["requests"], json::array());
  EXPECT_EQ(first["last_id"], 0);
  EXPECT_EQ(first["watch_ms"], RecentRequests::kWatchWindow / kMillisecond);
  EXPECT_TRUE(feed.watched(t0));
  EXPECT_TRUE(feed.watched(t0 + RecentRequests::kWatchWindow - 1));
  EXPECT_FALSE(feed.watched(t0 + RecentRequests::kWatchWindow)) << "a dashboard that stopped reading stops the recording";
  feed.since(0, t0 - seconds(5));
  EXPECT_TRUE(feed.watched(t0 + RecentRequests::kWatchWindow - 1)) << "an older read never shortens the window";
}

TEST(RecentRequestsTest, MergesWorkersInCompletionOrderWithTheRecordFields) {
  RecentRequests feed(2);
  feed.since(0, 0);
  RecentExchange a("/a"), b("/b?q=\"quoted\"", 503), c("/c");
  feed.record(1, a.ex, a.response);
  feed.record(0, b.ex, b.response);
  feed.record(1, c.ex, c.response);
  json all = json::parse(feed.since(0, 0));
  ASSERT_EQ(all["requests"].size(), 3u) << all.dump(2);
  EXPECT_EQ(all["last_id"], 3);
  EXPECT_EQ(all["truncated"], false);
  EXPECT_EQ(all["requests"][0]["target"], "/a");
  EXPECT_EQ(all["requests"][1]["target"], "/b?q=\"quoted\"");
  EXPECT_EQ(all["requests"][1]["status"], 503);
  EXPECT_EQ(all["requests"][2]["id"], 3);
  const json& r = all["requests"][0];
  EXPECT_EQ(r["consumer"], "acme");
  EXPECT_EQ(r["cache"], "MISS");
  EXPECT_EQ(r["client"], "127.0.0.1:5000");
  EXPECT_EQ(r["outcome"], "upstream");
  EXPECT_EQ(r["end_us"].get<TimePoint>() - r["start_us"].get<TimePoint>(), millis(3));
  EXPECT_EQ(r["route"], "");
  EXPECT_EQ(r["circuit_open"], false);
  for (const char* key : {"correlation_id", "method", "tier", "auth", "limiter", "service", "instance", "tries",
                          "upstream_us", "breaker_transition"}) {
    EXPECT_TRUE(r.contains(key)) << key;
  }
  json later = json::parse(feed.since(2, 0));
  ASSERT_EQ(later["requests"].size(), 1u);
  EXPECT_EQ(later["requests"][0]["target"], "/c");
}

TEST(RecentRequestsTest, ARingThatOverwroteUnreadRecordsSaysSo) {
  RecentRequests feed(1);
  feed.since(0, 0);
  RecentExchange a("/x");
  const std::size_t n = RecentRequests::kPerWorker + 6;
  for (std::size_t i = 0; i < n; ++i) feed.record(0, a.ex, a.response);
  json all = json::parse(feed.since(0, 0));
  EXPECT_EQ(all["truncated"], true);
  ASSERT_EQ(all["requests"].size(), RecentRequests::kPerWorker);
  EXPECT_EQ(all["requests"][0]["id"], 7) << "the oldest kept, oldest first";
  EXPECT_EQ(all["last_id"], n);
  EXPECT_EQ(json::parse(feed.since(6, 0))["truncated"], false) << "nothing after id 6 was lost";
}

}  // namespace
}  // namespace gateway::net
