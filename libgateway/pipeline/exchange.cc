#include "libgateway/pipeline/exchange.h"

#include "libgateway/pipeline/body_collector.h"
#include "libgateway/pipeline/gateway.h"

namespace gateway {

Exchange::Exchange() = default;

Exchange::~Exchange() {
  if (gateway_) gateway_->live_.remove(this);
}

void Exchange::setStageState(std::size_t slot, std::unique_ptr<StageState> state) {
  if (slot >= stageStates_.size()) {
    if (!state) return;
    stageStates_.resize(slot + 1);
  }
  stageStates_[slot] = std::move(state);
}

ExchangeObserver* Exchange::observer() const { return gateway_ ? gateway_->observer_ : nullptr; }

Resumer Exchange::pause() {
  paused_ = true;
  return Resumer(shared_from_this(), ++pauseToken_);
}

bool Resumer::pending() const {
  return exchange_ && exchange_->paused_ && exchange_->pauseToken_ == token_ && exchange_->gateway_ && !exchange_->finished_;
}

void Resumer::resume() {
  if (!pending()) return;
  std::shared_ptr<Exchange> ex = std::move(exchange_);
  ex->paused_ = false;
  ex->gateway_->runStages(ex);
}

void Resumer::answer(Response response) {
  if (!pending()) return;
  std::shared_ptr<Exchange> ex = std::move(exchange_);
  ex->paused_ = false;
  ex->gateway_->respond(*ex, std::move(response));
}

}  // namespace gateway
