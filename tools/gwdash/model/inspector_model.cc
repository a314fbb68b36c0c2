#include "tools/gwdash/model/inspector_model.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace gwdash {

namespace {

bool inspectorIsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::string inspectorLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string InspectorFilter::error() const {
  if (status.empty()) return {};
  const std::string s = inspectorLower(status);
  const bool hundred = s.size() == 3 && s[0] >= '1' && s[0] <= '5' && s[1] == 'x' && s[2] == 'x';
  const bool exact = s.size() == 3 && inspectorIsDigits(s) && s[0] >= '1' && s[0] <= '5';
  if (hundred || exact) return {};
  return fmt::format("status filter \"{}\": expected a class such as 5xx or a status such as 429", status);
}

bool InspectorFilter::matches(const RequestRecord& r) const {
  if (!status.empty()) {
    if (!error().empty()) return false;
    const std::string s = inspectorLower(status);
    if (s[1] == 'x') {
      if (r.status / 100 != s[0] - '0') return false;
    } else if (r.status != std::stoi(s)) {
      return false;
    }
  }
  if (!route.empty() && (route == "-" ? !r.route.empty() : r.route != route)) return false;
  if (!outcome.empty() && inspectorLower(r.outcome).find(inspectorLower(outcome)) == std::string::npos) return false;
  return true;
}

InspectorModel::InspectorModel(std::size_t capacity) : ring_(std::max<std::size_t>(capacity, 1)) {}

void InspectorModel::reset(const DashboardContext&) {
  head_ = 0;
  size_ = 0;
  total_ = 0;
  routes_.clear();
  kept_.clear();
  visibleStale_ = true;
}

// The filter is checked once per request as it arrives; only a new filter looks at them all.
void InspectorModel::onRequest(const RequestRecord& record) {
  const std::uint64_t sequence = total_++;
  if (size_ < ring_.size()) {
    ring_[(head_ + size_) % ring_.size()] = record;
    ++size_;
  } else {  // full: the newest takes the oldest's slot
    ring_[head_] = record;
    head_ = (head_ + 1) % ring_.size();
    if (!kept_.empty() && kept_.front() == sequence - ring_.size()) kept_.pop_front();
  }
  if (filter_.matches(record)) kept_.push_back(sequence);
  const std::string route = record.route.empty() ? "-" : record.route;
  auto it = std::lower_bound(routes_.begin(), routes_.end(), route);
  if (it == routes_.end() || *it != route) routes_.insert(it, route);
  visibleStale_ = true;
}

const RequestRecord& InspectorModel::at(std::size_t i) const { return ring_[(head_ + i) % ring_.size()]; }

const RequestRecord* InspectorModel::find(std::uint64_t id) const {
  for (std::size_t i = size_; i-- > 0;) {
    if (at(i).id == id) return &at(i);
  }
  return nullptr;
}

void InspectorModel::setFilter(InspectorFilter filter) {
  filter_ = std::move(filter);
  kept_.clear();
  const std::uint64_t first = total_ - size_;
  for (std::size_t i = 0; i < size_; ++i) {
    if (filter_.matches(at(i))) kept_.push_back(first + i);
  }
  visibleStale_ = true;
}

const std::vector<std::size_t>& InspectorModel::visible() const {
  if (visibleStale_) {
    const std::uint64_t first = total_ - size_;
    visible_.clear();
    for (std::uint64_t sequence : kept_) visible_.push_back(static_cast<std::size_t>(sequence - first));
    visibleStale_ = false;
  }
  return visible_;
}

std::optional<std::size_t> InspectorModel::rowNear(gateway::TimePoint time) const {
  const std::vector<std::size_t>& rows = visible();
  if (rows.empty()) return std::nullopt;
  for (std::size_t row = 0; row < rows.size(); ++row) {
    if (at(rows[row]).end >= time) return row;
  }
  return rows.size() - 1;
}

std::string InspectorModel::digest() const {
  std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a over every held record's JSON
  for (std::size_t i = 0; i < size_; ++i) {
    for (unsigned char c : at(i).toJson().dump()) hash = (hash ^ c) * 1099511628211ULL;
  }
  return fmt::format("inspector capacity={} size={} total={} first={} last={} routes={} records={:016x}", ring_.size(),
                     size_, total_, size_ ? at(0).id : 0, size_ ? at(size_ - 1).id : 0, fmt::join(routes_, ","), hash);
}

}  // namespace gwdash
