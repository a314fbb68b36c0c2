// gwbench's entry point: Google Benchmark's own main, with the toolkit's exit codes
// (libgateway/core/exit_code.h, the top README's "Exit codes") and --version:
//   0  every benchmark selected ran (or --help, --version, --benchmark_list_tests)
//   1  a benchmark ran but reported an error of its own (a fixture or a probe that failed
//      its check: the "error_message" of its row)
//   2  bad usage: an unknown flag or argument, a flag value the library refuses (which it would
//      otherwise answer with its usage text and exit 0), or a --benchmark_filter that matches
//      no benchmark
//   3  the --benchmark_out file cannot be opened for writing
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libgateway/core/exit_code.h"
#include "libgateway/core/version.h"

namespace {

// Forwards everything to the display reporter the flags chose, noting the runs that failed.
class ErrorNotingReporter final : public benchmark::BenchmarkReporter {
 public:
  explicit ErrorNotingReporter(benchmark::BenchmarkReporter* display) : display_(display) {}
  bool ReportContext(const Context& context) override { return display_->ReportContext(context); }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (!r.error_occurred) continue;
      std::string message = r.error_message;
      while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
      std::string line = r.benchmark_name() + ": " + message;
      // Each repetition fails the same way: say it once.
      if (std::find(failed_.begin(), failed_.end(), line) == failed_.end()) failed_.push_back(std::move(line));
    }
    display_->ReportRuns(runs);
  }
  void Finalize() override { display_->Finalize(); }
  const std::vector<std::string>& failed() const { return failed_; }

 private:
  benchmark::BenchmarkReporter* display_;
  std::vector<std::string> failed_;
};

// "--NAME=VALUE" -> VALUE, else nullptr. The library accepts only this form for values.
const char* valueOf(const char* arg, std::string_view name) {
  const std::string_view a(arg);
  if (a.size() <= name.size() + 3 || a.substr(0, 2) != "--" || a.substr(2, name.size()) != name ||
      a[2 + name.size()] != '=') {
    return nullptr;
  }
  return arg + 3 + name.size();
}

bool oneOf(std::string_view v, std::initializer_list<std::string_view> allowed) {
  for (const auto a : allowed) {
    if (v == a) return true;
  }
  return false;
}

// The values benchmark::Initialize answers with its usage text and exit 0; caught first.
bool checkLibraryValues(int argc, char** argv) {
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    for (const std::string_view name : {"benchmark_format", "benchmark_out_format"}) {
      if (arg == "--" + std::string(name) + "=") {
        std::fprintf(stderr, "gwbench: --%s needs a value: console, json or csv\n", std::string(name).c_str());
        ok = false;
      } else if (const char* v = valueOf(argv[i], name); v && !oneOf(v, {"console", "json", "csv"})) {
        std::fprintf(stderr, "gwbench: --%s=%s: expected console, json or csv\n", std::string(name).c_str(), v);
        ok = false;
      }
    }
    if (const char* v = valueOf(argv[i], "benchmark_time_unit"); v && !oneOf(v, {"ns", "us", "ms", "s"})) {
      std::fprintf(stderr, "gwbench: --benchmark_time_unit=%s: expected ns, us, ms or s\n", v);
      ok = false;
    }
    if (arg == "--benchmark_color=" || arg == "--benchmark_time_unit=") {
      std::fprintf(stderr, "gwbench: %s needs a value\n", argv[i]);
      ok = false;
    }
  }
  return ok;
}

void printHelp() {
  benchmark::PrintDefaultHelp();
  std::printf(
      "\ngwbench: the toolkit's micro-benchmarks (route matching, rate-limit decisions, JWT, the simulator).\n"
      "          [--version]   print the version and exit\n"
      "Flag values are written --name=value. Exit status: 0 ok; 1 a benchmark reported an error of its own;\n"
      "2 an unknown flag, a bad value, or a filter matching no benchmark; 3 the --benchmark_out file cannot be "
      "written.\n");
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg == "--version") {
      std::printf("gwbench %s\n", std::string(gateway::version()).c_str());
      return gateway::kExitOk;
    }
  }
  if (!checkLibraryValues(argc, argv)) return gateway::kExitBadInput;
  // The library would exit 1 with "invalid file name"; say it with the runtime-failure code.
  // (The library truncates the file when it opens it; this only creates it a moment early.)
  std::string outPath;
  for (int i = 1; i < argc; ++i) {
    if (const char* v = valueOf(argv[i], "benchmark_out")) outPath = v;
  }
  if (!outPath.empty() && !std::ofstream(outPath, std::ios::app)) {
    std::fprintf(stderr, "gwbench: --benchmark_out=%s: cannot open the file for writing\n", outPath.c_str());
    return gateway::kExitRuntime;
  }
  benchmark::Initialize(&argc, argv, printHelp);  // --help prints and exits 0 here
  if (argc > 1) {
    for (int i = 1; i < argc; ++i) {
      std::fprintf(stderr, "gwbench: unknown flag or argument, or a value its flag does not take: \"%s\"\n", argv[i]);
    }
    std::fprintf(stderr, "gwbench: flags are --benchmark_NAME=VALUE and --version; gwbench --help lists them\n");
    return gateway::kExitBadInput;
  }
  const std::unique_ptr<benchmark::BenchmarkReporter> display(benchmark::CreateDefaultDisplayReporter());
  ErrorNotingReporter reporter(display.get());
  const std::size_t matched = benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  if (matched == 0) {
    std::fprintf(stderr, "gwbench: --benchmark_filter=%s matches no benchmark (--benchmark_list_tests=true lists them)\n",
                 benchmark::GetBenchmarkFilter().c_str());
    return gateway::kExitBadInput;
  }
  if (!reporter.failed().empty()) {
    for (const auto& f : reporter.failed()) std::fprintf(stderr, "gwbench: %s\n", f.c_str());
    std::fprintf(stderr, "gwbench: %zu benchmark(s) reported an error\n", reporter.failed().size());
    return gateway::kExitCheckFailed;
  }
  return gateway::kExitOk;
}
