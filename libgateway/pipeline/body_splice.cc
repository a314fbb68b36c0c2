#include "libgateway/pipeline/body_splice.h"

#include <algorithm>

namespace gateway {

namespace {

// Moves bytes from `in` to `out` while `out` has room; kept alive by `out`.
class BodyPump {
 public:
  BodyPump(std::shared_ptr<BodyStream> in, const std::shared_ptr<BodyStream>& out) : in_(std::move(in)), out_(out) {}
  ~BodyPump() {
    if (in_) in_->onReadable(nullptr);
  }

  void start() {
    in_->onReadable([this] { pump(); });
    if (auto out = out_.lock()) out->onWritable([this] { pump(); });
    pump();
  }

 private:
  void pump() {
    auto out = out_.lock();
    if (!out || done_) return;
    while (out->room() > 0) {
      const std::string_view data = in_->data();
      if (data.empty()) break;
      const std::size_t n = std::min(data.size(), out->room());
      const std::string chunk(data.substr(0, n));  // `in` may compact its buffer on consume
      in_->consume(n);
      out->write(chunk);
    }
    if (in_->failed()) {
      done_ = true;
      out->fail(in_->error());
    } else if (in_->finished()) {
      done_ = true;
      out->end();
    }
  }

  std::shared_ptr<BodyStream> in_;
  std::weak_ptr<BodyStream> out_;
  bool done_ = false;
};

}  // namespace

std::shared_ptr<BodyStream> spliceBody(std::string prefix, std::shared_ptr<BodyStream> rest) {
  if (prefix.empty()) return rest;
  auto out = std::make_shared<BodyStream>(rest->length(), rest->capacity());
  out->write(prefix);
  auto pump = std::make_shared<BodyPump>(std::move(rest), out);
  out->keep(pump);
  pump->start();
  return out;
}

}  // namespace gateway
