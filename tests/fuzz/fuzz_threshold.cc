// Bytes as a gwload `--expect` expression into parseThreshold (tools/gwload/threshold.*).
// Invariants:
//   - it parses, or it is refused with a message that quotes the trimmed expression (or
//     says that it is empty);
//   - a parsed threshold names a known metric and a finite number, and its expression is
//     the input trimmed;
//   - written back as "METRIC OP NUMBER" it parses to the same metric, operator and value;
//   - holds() agrees with the operator it parsed.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "tools/gwload/threshold.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto t = gwload::parseThreshold(text, error);
  if (!t) {
    FUZZ_CHECK(!error.empty(), "a refusal without a message");
    const bool blank = text.find_first_not_of(" \t\n\v\f\r") == std::string_view::npos;
    FUZZ_CHECK(blank ? error.starts_with("empty expression") : error.find('"') != std::string::npos,
               "a refusal that names nothing: " + error);
    return 0;
  }
  FUZZ_CHECK(gwload::isKnownMetric(t->metric), "an unknown metric accepted: " + t->metric);
  FUZZ_CHECK(std::isfinite(t->value), "a value that is not finite");
  FUZZ_CHECK(text.find(t->expression) != std::string_view::npos && !t->expression.empty(),
             "the expression is not the trimmed input: " + t->expression);
  char number[64];
  std::snprintf(number, sizeof number, "%.17g", t->value);
  const std::string again = t->metric + " " + std::string(gwload::toString(t->op)) + " " + number;
  std::string error2;
  const auto u = gwload::parseThreshold(again, error2);
  FUZZ_CHECK(u && u->metric == t->metric && u->op == t->op && u->value == t->value,
             "written back as \"" + again + "\" it parses differently: " + error2);
  const double v = t->value;
  switch (t->op) {
    case gwload::Op::kLess: FUZZ_CHECK(!t->holds(v) && t->holds(v - std::fabs(v) - 1), "<"); break;
    case gwload::Op::kLessEqual: FUZZ_CHECK(t->holds(v) && !t->holds(v + std::fabs(v) + 1), "<="); break;
    case gwload::Op::kGreater: FUZZ_CHECK(!t->holds(v) && t->holds(v + std::fabs(v) + 1), ">"); break;
    case gwload::Op::kGreaterEqual: FUZZ_CHECK(t->holds(v) && !t->holds(v - std::fabs(v) - 1), ">="); break;
    case gwload::Op::kEqual: FUZZ_CHECK(t->holds(v) && !t->holds(v + std::fabs(v) + 1), "=="); break;
  }
  return 0;
}
