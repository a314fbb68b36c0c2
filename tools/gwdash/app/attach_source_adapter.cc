// Attach mode through the attach helper's AttachSource (tools/gwdash/model/attach_source.h),
// when this tree has it; otherwise attach mode says it is not built.
#include "tools/gwdash/app/source.h"

#if __has_include("tools/gwdash/model/attach_source.h")
#include "tools/gwdash/model/attach_source.h"
#define GWDASH_HAS_ATTACH 1
#endif

namespace gwdash {

#ifdef GWDASH_HAS_ATTACH
namespace {

class AttachSourceAdapter : public Source {
 public:
  explicit AttachSourceAdapter(std::unique_ptr<AttachSource> attach) : attach_(std::move(attach)) {}
  void addListener(DashboardListener* listener) override { attach_->addListener(listener); }
  const DashboardContext& context() const override { return attach_->context(); }
  gateway::TimePoint now() const override { return attach_->now(); }
  void poll() override { attach_->poll(); }
  std::string status() const override { return attach_->status(); }

 private:
  std::unique_ptr<AttachSource> attach_;
};

}  // namespace

std::unique_ptr<Source> makeAttachSource(const std::string& url, std::string& error) {
  auto attach = AttachSource::connect(url, error);
  if (!attach) return nullptr;
  return std::make_unique<AttachSourceAdapter>(std::move(attach));
}
#else
std::unique_ptr<Source> makeAttachSource(const std::string& url, std::string& error) {
  error = "cannot attach to " + url + ": this gwdash was built without attach support";
  return nullptr;
}
#endif

}  // namespace gwdash
