// Bytes as the text of a gateway config file into the config loader (parseJsonText, then
// loadConfigJson: every section, its cross-references and the stages' route fields). Fields
// that name key files are replaced first, so nothing is read from disk. Invariants:
//   - text that is not JSON is one error at the document root, saying where;
//   - a config either loads with no error, or is refused with errors that each name a JSON
//     path in the document (or the key missing from it) and say what is wrong;
//   - a config that loads is one a gateway can run: its runtime (route table, limiter
//     stores, breakers) builds, and the same text loads the same way again.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "libgateway/config/config_loader.h"
#include "libgateway/pipeline/shared_state.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  gateway::FieldErrors parseErrors;
  auto doc = gateway::parseJsonText(text, parseErrors);
  if (!doc) {
    FUZZ_CHECK(parseErrors.size() == 1 && parseErrors.list()[0].path.empty() && !parseErrors.list()[0].message.empty(),
               "a syntax error reported as: " + parseErrors.text());
    return 0;
  }
  gateway::fuzz::dropFileFields(*doc);
  const gateway::ConfigLoad load = gateway::loadConfigJson(*doc);
  gateway::fuzz::checkFieldErrors(load.errors, load.ok(), *doc);
  if (!load.ok()) return 0;
  const gateway::ConfigLoad again = gateway::loadConfigJson(*doc);
  FUZZ_CHECK(again.ok(), "the same config loaded once and was refused the next time: " + again.errors.text());
  gateway::SharedState shared(load.config);
  FUZZ_CHECK(shared.runtime() != nullptr, "a loaded config has no runtime");
  return 0;
}
