// What the request inspector knows: the last N completed requests (a bounded ring, oldest
// forgotten first) and a filter on them (status class or status, route, outcome text); a
// picked request is told as its journey (request_journey.h). Dashboard thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "tools/gwdash/model/dashboard_listener.h"
#include "tools/gwdash/model/request_journey.h"

namespace gwdash {

struct InspectorFilter {
  std::string status;   // "" any; "2xx".."5xx" a hundred (429 is in "4xx"); or one status "429"
  std::string route;    // "" any; else the route's name exactly ("-" for requests no route matched)
  std::string outcome;  // "" any; else text the outcome contains (case-insensitive)

  // Empty when the filter is usable, else what is wrong with which field.
  std::string error() const;
  // False for every request when error() is not empty.
  bool matches(const RequestRecord& record) const;
};

class InspectorModel : public DashboardListener {
 public:
  explicit InspectorModel(std::size_t capacity = 5000);

  void reset(const DashboardContext& context) override;
  void onRequest(const RequestRecord& record) override;

  std::size_t capacity() const { return ring_.size(); }
  std::size_t size() const { return size_; }
  std::uint64_t total() const { return total_; }  // every request seen since reset
  // The i-th held request, oldest first (i < size()).
  const RequestRecord& at(std::size_t i) const;
  // The held request with this id, or null once forgotten.
  const RequestRecord* find(std::uint64_t id) const;

  // A filter with an error() keeps nothing; the previous filter is replaced either way.
  void setFilter(InspectorFilter filter);
  const InspectorFilter& filter() const { return filter_; }
  // Positions (for at()) of the held requests the filter keeps, oldest first.
  const std::vector<std::size_t>& visible() const;
  // The index into visible() of the first kept request that ended at or after `time`
  // (the last kept one when all ended before it); none when nothing is kept.
  std::optional<std::size_t> rowNear(gateway::TimePoint time) const;
  // The route names seen since reset, sorted ("-" for no route).
  const std::vector<std::string>& routes() const { return routes_; }

  // What the model holds, as text (determinism tests compare two models by it).
  std::string digest() const;

 private:
  std::vector<RequestRecord> ring_;
  std::size_t head_ = 0;  // the oldest held request's slot
  std::size_t size_ = 0;
  std::uint64_t total_ = 0;
  InspectorFilter filter_;
  std::vector<std::string> routes_;
  std::deque<std::uint64_t> kept_;  // the filter's requests by sequence (0 for the first since reset)
  mutable std::vector<std::size_t> visible_;  // kept_ as positions, rebuilt when read after a change
  mutable bool visibleStale_ = true;
};

}  // namespace gwdash
