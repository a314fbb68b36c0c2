// Bytes as a JWKS document (the file auth.jwt.jwks_file names) into the JWKS reader
// (loadJwks, JwtKey::fromJwk: RSA, EC P-256/P-384, oct and OKP Ed25519 keys, "alg" and
// "use"). Invariants: text that is not JSON is one error at the root; every error names a
// JSON path in the document (or the key missing from it) and says what is wrong; every key
// made has at least one algorithm, all of its type's, and refuses a signature it cannot
// have made (all zero bytes) for each of them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "libgateway/config/auth_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  gateway::FieldErrors errors;
  auto doc = gateway::parseJsonText(text, errors);
  if (!doc) {
    FUZZ_CHECK(errors.size() == 1 && errors.list()[0].path.empty(), "a syntax error reported as: " + errors.text());
    return 0;
  }
  const std::vector<gateway::JwtKey> keys = gateway::loadJwks(*doc, "", errors);
  gateway::fuzz::checkFieldErrors(errors, errors.empty(), *doc);
  const std::string zeros(512, '\0');
  for (const gateway::JwtKey& key : keys) {
    FUZZ_CHECK(!key.algorithms().empty(), "a key without algorithms: " + key.kid());
    const auto allowed = gateway::algorithmsFor(key.type());
    for (const auto a : key.algorithms()) {
      FUZZ_CHECK(std::find(allowed.begin(), allowed.end(), a) != allowed.end(), "an algorithm of another key type: " + key.kid());
      FUZZ_CHECK(key.allows(a), "a key does not allow its own algorithm");
      FUZZ_CHECK(!key.verify(a, "eyJhbGciOiJub25lIn0.e30", zeros), "a zero signature verified: " + key.kid());
      FUZZ_CHECK(!key.verify(a, "eyJhbGciOiJub25lIn0.e30", ""), "an empty signature verified: " + key.kid());
    }
  }
  return 0;
}
