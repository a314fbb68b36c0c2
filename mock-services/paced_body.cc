#include "mock-services/paced_body.h"

#include <algorithm>

namespace gateway::mock {

namespace {

struct PacedBody : std::enable_shared_from_this<PacedBody> {
  std::string body;
  std::weak_ptr<BodyStream> stream;
  std::uint64_t bytesPerSecond = 1;
  std::size_t slice = 1;
  std::size_t sent = 0;
  TimePoint start = 0;
  Scheduler* scheduler = nullptr;

  // Schedules the slice that ends at `sent + slice`, at the time the body up to there is due.
  void next() {
    const std::uint64_t upTo = sent + std::min(slice, body.size() - sent);
    const auto at = start + static_cast<Duration>((upTo * 1'000'000 + bytesPerSecond - 1) / bytesPerSecond);
    scheduler->schedule(at, [self = shared_from_this(), upTo] { self->write(upTo); });
  }

  void write(std::uint64_t upTo) {
    auto s = stream.lock();
    if (!s) return;  // the client went away
    s->write(std::string_view(body).substr(sent, upTo - sent));
    sent = upTo;
    if (sent == body.size()) return s->end();
    next();
  }
};

}  // namespace

void paceBody(Response& response, const gwsim::SlowBody& pace, Scheduler& scheduler, const Clock& clock) {
  if (response.body.empty() || pace.bytesPerSecond == 0) return;
  auto stream = std::make_shared<BodyStream>(response.body.size());
  auto paced = std::make_shared<PacedBody>();
  paced->body = std::move(response.body);
  paced->stream = stream;
  paced->bytesPerSecond = pace.bytesPerSecond;
  paced->slice = std::max<std::size_t>(1, pace.slice());
  paced->start = clock.now();
  paced->scheduler = &scheduler;
  response.body = std::string();
  response.stream = std::move(stream);
  paced->next();
}

}  // namespace gateway::mock
