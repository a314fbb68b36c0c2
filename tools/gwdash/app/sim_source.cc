#include <cstdio>

#include "tools/gwdash/app/source.h"

namespace gwdash {

namespace {

class SimSourceImpl : public Source {
 public:
  explicit SimSourceImpl(std::unique_ptr<SimSession> session) : session_(std::move(session)) {}
  void addListener(DashboardListener* listener) override { session_->addListener(listener); }
  const DashboardContext& context() const override { return session_->context(); }
  gateway::TimePoint now() const override { return session_->now(); }
  std::string status() const override {
    char text[160];
    std::snprintf(text, sizeof text, "t = %.3f s of %.0f s, %llu events, seed %llu%s",
                  static_cast<double>(session_->now()) / 1e6, static_cast<double>(session_->duration()) / 1e6,
                  static_cast<unsigned long long>(session_->events()), static_cast<unsigned long long>(session_->seed()),
                  session_->done() ? " (run over)" : "");
    return text;
  }
  SimSession* session() override { return session_.get(); }

 private:
  std::unique_ptr<SimSession> session_;
};

}  // namespace

std::unique_ptr<Source> makeSimSource(std::unique_ptr<SimSession> session) {
  return std::make_unique<SimSourceImpl>(std::move(session));
}

}  // namespace gwdash
