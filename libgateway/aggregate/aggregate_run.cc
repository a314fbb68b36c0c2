#include "libgateway/aggregate/aggregate_run.h"

#include <fmt/format.h>

#include "libgateway/aggregate/aggregate_stage.h"

namespace gateway {

void AggregatePartRun::onCallAnswer(UpstreamCall& /*call*/, Response&& response, std::string_view outcome) {
  run->onPartAnswer(index, std::move(response), outcome);
}

AggregateRun::AggregateRun(AggregateStage& stage, Exchange& exchange, const AggregateSpec& spec)
    : stage_(&stage),
      env_(stage.env_),
      exchange_(exchange),
      spec_(spec),
      stats_(stage.stats_),
      results_(spec.parts.size()),
      documents_(spec.parts.size(), nullptr),
      remaining_(spec.parts.size()),
      parts_(std::make_unique<AggregatePartRun[]>(spec.parts.size())) {
  for (std::size_t i = 0; i < spec.parts.size(); ++i) {
    parts_[i].run = this;
    parts_[i].index = i;
    parts_[i].waitingOn = spec.parts[i].dependsOn.size();
  }
  stage.runs_.pushFront(this);
}

AggregateRun::~AggregateRun() {
  // No timer to cancel: a pending deadline timer holds the exchange, so it has fired, been
  // cancelled, or is being destroyed with its scheduler.
  if (stage_) stage_->runs_.remove(this);
}

void AggregateRun::detach() {
  // The timer's callback may hold the exchange's last reference: it is let go here, after the
  // scheduler call, not inside it.
  const std::shared_ptr<Exchange> keep = exchange_.shared_from_this();
  stage_ = nullptr;
  for (std::size_t i = 0; i < spec_.parts.size(); ++i) parts_[i].collector.reset();
  if (const TimerId timer = std::exchange(deadlineTimer_, 0); timer != 0) env_.scheduler.cancel(timer);
}

bool AggregateRun::alive() const {
  if (answered_ || !stage_) return false;
  const auto resumer = resumer_.lock();
  return resumer && resumer->pending();
}

void AggregateRun::begin(Resumer resumer) {
  auto holder = std::make_shared<Resumer>(std::move(resumer));
  resumer_ = holder;
  deadlineTimer_ = env_.scheduler.schedule(env_.clock.now() + spec_.timeout, [this, holder] { onDeadline(); });
  starting_ = true;
  for (std::size_t i = 0; i < spec_.parts.size(); ++i) {
    if (spec_.parts[i].dependsOn.empty() && parts_[i].state == AggregatePartRun::State::kWaiting) startPart(i);
  }
  starting_ = false;
  if (remaining_ == 0) complete();
}

void AggregateRun::startPart(std::size_t i) {
  AggregatePartRun& part = parts_[i];
  PartResult& result = results_[i];
  const PartInputs inputs{&exchange_.match.captures, exchange_.request.query(), exchange_.consumer, documents_};
  std::string why;
  if (!spec_.parts[i].path.expand(inputs, target_, why)) {
    result.status = PartStatus::kSkipped;
    result.error = std::move(why);
    finishPart(i);
    return;
  }
  part.state = AggregatePartRun::State::kRunning;
  part.start = env_.clock.now();
  result.ran = true;
  std::string target = std::move(target_);
  // May answer at once (an open breaker, a full queue): onPartAnswer runs before it returns.
  part.call.start(stage_->caller_, exchange_, spec_.parts[i].target, &target, false, part);
}

void AggregateRun::onPartAnswer(std::size_t i, Response&& response, std::string_view outcome) {
  const std::shared_ptr<Exchange> keep = exchange_.shared_from_this();
  AggregatePartRun& part = parts_[i];
  if (!alive() || part.state != AggregatePartRun::State::kRunning) return;
  PartResult& result = results_[i];
  result.httpStatus = response.status;
  result.status = classifyCall(outcome, response.status);
  if (result.status != PartStatus::kOk) {
    result.error = outcome == "upstream" ? fmt::format("the service answered {}", response.status) : std::string(outcome);
    if (result.status == PartStatus::kBadResponse) result.error += ", not a 2xx";
    finishPart(i);
    return;
  }
  const std::string_view encoding = response.headers.get("Content-Encoding");
  if (response.stream) {
    part.contentEncoding = encoding;
    part.collector = std::make_unique<BodyCollector>(
        env_, std::move(response.stream), spec_.maxPartBytes,
        [this, i](BodyCollector::Result r, std::string body) { onPartBody(i, r, std::move(body)); });
    part.collector->start();
    return;
  }
  readPartBody(response.body, encoding, spec_.maxPartBytes, result);
  finishPart(i);
}

void AggregateRun::onPartBody(std::size_t i, BodyCollector::Result r, std::string body) {
  const std::shared_ptr<Exchange> keep = exchange_.shared_from_this();
  const std::unique_ptr<BodyCollector> collector = std::move(parts_[i].collector);  // ends with this call
  if (!alive() || parts_[i].state != AggregatePartRun::State::kRunning) return;
  PartResult& result = results_[i];
  switch (r) {
    case BodyCollector::Result::kComplete:
      readPartBody(body, parts_[i].contentEncoding, spec_.maxPartBytes, result);
      break;
    case BodyCollector::Result::kTooLarge:
      result.status = PartStatus::kBadResponse;
      result.error = fmt::format("the answer is over max_part_bytes ({})", spec_.maxPartBytes);
      break;
    case BodyCollector::Result::kFailed:
      result.status = PartStatus::kBadResponse;
      result.error = "the answer's body did not arrive whole: " + collector->error();
      break;
  }
  finishPart(i);
}

void AggregateRun::finishPart(std::size_t i) {
  AggregatePartRun& part = parts_[i];
  PartResult& result = results_[i];
  if (result.ran && part.state == AggregatePartRun::State::kRunning) result.elapsed = env_.clock.now() - part.start;
  part.state = AggregatePartRun::State::kDone;
  --remaining_;
  if (result.status == PartStatus::kOk) documents_[i] = &result.document;
  for (const std::size_t d : spec_.parts[i].dependents) {
    if (parts_[d].state != AggregatePartRun::State::kWaiting) continue;
    if (result.status != PartStatus::kOk) {
      results_[d].status = PartStatus::kSkipped;
      results_[d].error = fmt::format("part \"{}\" failed ({})", spec_.parts[i].name, toString(result.status));
      finishPart(d);
    } else if (--parts_[d].waitingOn == 0) {
      startPart(d);
    }
  }
  if (remaining_ == 0 && !starting_) complete();
}

void AggregateRun::onDeadline() {
  deadlineTimer_ = 0;
  const std::shared_ptr<Exchange> keep = exchange_.shared_from_this();
  if (!alive()) return;
  deadlinePassed_ = true;
  const TimePoint now = env_.clock.now();
  for (std::size_t i = 0; i < spec_.parts.size(); ++i) {
    AggregatePartRun& part = parts_[i];
    PartResult& result = results_[i];
    if (part.state == AggregatePartRun::State::kRunning) {
      part.call.cancel();
      part.collector.reset();
      result.status = PartStatus::kTimeout;
      result.error = fmt::format("the route's deadline of {} ms passed", spec_.timeout / kMillisecond);
      result.elapsed = now - part.start;
    } else if (part.state == AggregatePartRun::State::kWaiting) {
      result.status = PartStatus::kSkipped;
      result.error = "the route's deadline passed before the parts it reads answered";
    }
    part.state = AggregatePartRun::State::kDone;
  }
  remaining_ = 0;
  complete();
}

void AggregateRun::complete() {
  if (answered_) return;
  answered_ = true;
  const std::shared_ptr<Resumer> resumer = resumer_.lock();
  if (const TimerId timer = std::exchange(deadlineTimer_, 0); timer != 0) env_.scheduler.cancel(timer);
  AggregateAnswer answer = buildAggregateAnswer(spec_, results_, deadlinePassed_);
  stats_->record(spec_, answer.kind, results_);
  exchange_.outcome = answer.outcome;
  if (resumer) resumer->answer(std::move(answer.response));
}

}  // namespace gateway
