// Bytes into gwsim agree's two parsers: the first line as a --tolerance list
// (parseAgreeTolerances), the rest as a run summary (readAgreeResultText, the format of
// `gwsim run --json` that gwload writes too). Invariants: a refused tolerance list says why
// and changes nothing; an accepted one holds only known metrics with tolerances from 0 to 10
// (0% to 1000%) and parses the same again. A summary loads with no error or is refused with
// errors that each name a JSON path in the document; a loaded summary compared with itself
// agrees, every cell's difference is 0, and its table and JSON report are written.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "sim/commands/agree_input.h"
#include "sim/commands/agree_table.h"

namespace {

void fuzzAgreeTolerances(std::string_view spec) {
  gwsim::AgreeTolerances t = gwsim::defaultAgreeTolerances();
  std::string why;
  if (!gwsim::parseAgreeTolerances(spec, t, why)) {
    FUZZ_CHECK(!why.empty(), "a tolerance list refused without a reason");
    FUZZ_CHECK(t == gwsim::defaultAgreeTolerances(), "a refused tolerance list changed the tolerances");
    return;
  }
  FUZZ_CHECK(why.empty(), "an accepted tolerance list with a reason: " + why);
  for (const auto& [key, value] : t) {
    const bool known = key == "requests" || key == "2xx" || key == "3xx" || key == "4xx" || key == "429" ||
                       key == "5xx" || key == "p50" || key == "p90" || key == "p99" || key == "errors";
    FUZZ_CHECK(known, "an unknown metric accepted: " + key);
    FUZZ_CHECK(value >= 0 && value <= 10, "tolerance out of range for " + key + ": " + std::to_string(value));
  }
  gwsim::AgreeTolerances again = gwsim::defaultAgreeTolerances();
  FUZZ_CHECK(gwsim::parseAgreeTolerances(spec, again, why) && again == t, "the same list parsed differently");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  fuzzAgreeTolerances(input.substr(0, newline));
  const std::string_view text = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  gateway::FieldErrors parseErrors;
  auto doc = gateway::parseJsonText(text, parseErrors);
  if (!doc) {
    FUZZ_CHECK(parseErrors.size() == 1 && !parseErrors.list()[0].message.empty(),
               "a syntax error reported as: " + parseErrors.text());
    return 0;
  }
  gateway::FieldErrors errors;
  const auto result = gwsim::readAgreeResult(*doc, errors);
  gateway::fuzz::checkFieldErrors(errors, result.has_value(), *doc);
  if (!result) return 0;
  const gwsim::AgreeStats& t = result->total;
  FUZZ_CHECK(t.s2xx + t.s3xx + t.s4xx + t.s429 + t.s5xx <= t.requests, "status classes add up to more than requests");
  FUZZ_CHECK(t.p50Ms <= t.p90Ms && t.p90Ms <= t.p99Ms, "percentiles out of order");

  const auto report = gwsim::compareAgreeResults(*result, *result, gwsim::defaultAgreeTolerances(), 20);
  FUZZ_CHECK(report.agrees() && report.beyond == 0 && report.failures().empty(), "a summary disagrees with itself");
  FUZZ_CHECK(report.notes.empty(), "notes comparing a summary with itself: " + report.notes.front());
  for (const auto& row : report.rows) {
    FUZZ_CHECK(row.onlyIn.empty(), "a row in one world only: " + row.name);
    for (const auto& c : row.cells) {
      FUZZ_CHECK(c.diff && *c.diff == 0, "a nonzero difference against itself: " + row.name + " " + c.metric);
    }
  }
  const gwsim::AgreeSources sources{result->scenario, "sim", "real", result->seconds, result->seconds};
  FUZZ_CHECK(!gwsim::formatAgreeTable(report, sources).empty(), "an empty table");
  FUZZ_CHECK(gwsim::agreeReportJson(report, sources)["agree"] == true, "the JSON report disagrees");
  return 0;
}
