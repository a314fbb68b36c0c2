// Identifies the consumer of a request by its API key (the header named by
// auth.api_key_header) and sets Exchange::consumer and ::tier for the policies after it.
// Keys are compared by SHA-256 digest; the runtime never keeps or logs a key in plain text.
// A key that is present but unknown is answered 401 (a bad credential is never ignored);
// no key leaves the request anonymous. JWT identities join this when auth lands (issue 6).
// One filter per Gateway (thread); the key index is part of the shared, immutable runtime.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "libgateway/pipeline/exchange.h"

namespace gateway {

// SHA-256 of `key` as 32 raw bytes.
std::string apiKeyDigest(std::string_view key);

class ConsumerFilter final : public RequestFilter {
 public:
  std::optional<Response> onRequest(Exchange& exchange) override;
};

}  // namespace gateway
