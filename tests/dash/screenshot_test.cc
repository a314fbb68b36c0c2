// gwdash's screenshot mode, run as a process under xvfb-run (skipped where xvfb-run is not
// installed): three lessons at their interesting moment, each PNG checked for its size, for
// not being blank, and for pixels in every panel's region of the layout sidecar. And the
// command line's exit codes: a bad panel name is bad input, no display a runtime failure.
#ifdef GWDASH_PATH

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stb_image.h>

#include "tests/integration/cli_exit.h"
#include "tests/integration/temp_dir.h"

namespace gwdash {
namespace {

using gateway::testing::CliResult;
using gateway::testing::TempDir;

constexpr int kShotWidth = 1280;
constexpr int kShotHeight = 720;

std::string findOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

struct Shot {
  std::string scenario;
  double at;
  std::string panel;  // "" : the whole dashboard
};

struct Picture {
  int width = 0;
  int height = 0;
  std::vector<unsigned char> rgb;
  unsigned colour(int x, int y) const {
    const auto* p = &rgb[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) * 3];
    return (static_cast<unsigned>(p[0]) << 16) | (static_cast<unsigned>(p[1]) << 8) | p[2];
  }
  // What [x, x + w) x [y, y + h) holds, sampling every other pixel: its distinct colours, and
  // the samples that differ from the most common colour (the background).
  struct Region {
    std::size_t colours = 0;
    std::size_t drawn = 0;
    std::size_t samples = 0;
  };
  Region region(int x, int y, int w, int h) const {
    std::map<unsigned, std::size_t> seen;
    Region r;
    for (int j = std::max(0, y); j < y + h && j < height; j += 2) {
      for (int i = std::max(0, x); i < x + w && i < width; i += 2) {
        ++seen[colour(i, j)];
        ++r.samples;
      }
    }
    std::size_t background = 0;
    for (const auto& [c, n] : seen) background = std::max(background, n);
    r.colours = seen.size();
    r.drawn = r.samples - background;
    return r;
  }
};

// A panel's content (inside its border, below its title bar) shows something: not one
// uniform colour, and at least 0.3% of it drawn on (a line of text in a large panel; ImGui's
// default font is not anti-aliased, so a panel of grey text alone has two colours).
void expectDrawn(const Picture& picture, int x, int y, int w, int h, const std::string& what) {
  constexpr int kTitleBar = 22;
  const auto r = picture.region(x + 3, y + kTitleBar, w - 6, h - kTitleBar - 3);
  EXPECT_GE(r.colours, 2u) << what << " looks empty";
  EXPECT_GT(r.drawn * 1000, r.samples * 3) << what << " looks empty: " << r.drawn << " of " << r.samples << " samples drawn";
}

Picture readPicture(const std::string& path) {
  Picture picture;
  int channels = 0;
  unsigned char* data = stbi_load(path.c_str(), &picture.width, &picture.height, &channels, 3);
  if (data == nullptr) return picture;
  picture.rgb.assign(data, data + static_cast<std::size_t>(picture.width) * static_cast<std::size_t>(picture.height) * 3);
  stbi_image_free(data);
  return picture;
}

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Every shot in one xvfb-run (one X server, about a second saved per shot).
CliResult renderShots(const std::vector<Shot>& shots, const TempDir& dir) {
  std::string script = "set -e\n";
  for (std::size_t i = 0; i < shots.size(); ++i) {
    script += shellQuote(GWDASH_PATH) + " " + shellQuote(std::string(GATEWAY_SOURCE_DIR) + "/scenarios/" + shots[i].scenario) +
              " --screenshot " + shellQuote(dir.file("shot" + std::to_string(i) + ".png")) + " --at " +
              std::to_string(shots[i].at) + " --size " + std::to_string(kShotWidth) + "x" + std::to_string(kShotHeight) +
              (shots[i].panel.empty() ? "" : " --panel " + shots[i].panel) + "\n";
  }
  const std::string scriptPath = dir.write("shots.sh", script);
  return gateway::testing::runToExit({findOnPath("xvfb-run"), "-a", "-s", "-screen 0 1920x1080x24", "/bin/sh", scriptPath},
                                     dir.file("xvfb-stderr.txt"), std::chrono::seconds(60));
}

void checkShot(const Shot& shot, const std::string& png) {
  SCOPED_TRACE(shot.scenario + " at " + std::to_string(shot.at) + " s" + (shot.panel.empty() ? "" : ", panel " + shot.panel));
  const Picture picture = readPicture(png);
  ASSERT_EQ(picture.width, kShotWidth);
  ASSERT_EQ(picture.height, kShotHeight);
  const auto whole = picture.region(0, 0, picture.width, picture.height);
  EXPECT_GT(whole.colours, 16u) << "the picture is (nearly) blank";
  EXPECT_GT(whole.drawn * 100, whole.samples * 2) << "the picture is (nearly) blank";

  std::ifstream in(png + ".json");
  ASSERT_TRUE(in) << "no layout sidecar " << png << ".json";
  const nlohmann::json layout = nlohmann::json::parse(in);
  EXPECT_EQ(layout["width"], kShotWidth);
  EXPECT_EQ(layout["height"], kShotHeight);
  ASSERT_TRUE(layout["panels"].is_array());
  ASSERT_FALSE(layout["panels"].empty());
  std::set<std::string> names;
  for (const auto& panel : layout["panels"]) {
    const std::string name = panel["name"];
    names.insert(name);
    const int x = panel["x"], y = panel["y"], w = panel["w"], h = panel["h"];
    EXPECT_GE(x, 0) << name;
    EXPECT_GE(y, 0) << name;
    EXPECT_LE(x + w, kShotWidth) << name;
    EXPECT_LE(y + h, kShotHeight) << name;
    EXPECT_GT(w * h, 100 * 100) << name << " is too small to show anything";
    expectDrawn(picture, x, y, w, h, "panel " + name);
  }
  EXPECT_EQ(names.size(), layout["panels"].size()) << "a panel is placed twice";
  if (shot.panel.empty()) {
    EXPECT_TRUE(names.count("lesson"));
    ASSERT_TRUE(layout.contains("controls"));
    const auto& c = layout["controls"];
    const auto bar = picture.region(c["x"], c["y"], c["w"], c["h"]);
    EXPECT_GE(bar.colours, 3u) << "the control bar looks empty";
    EXPECT_GT(bar.drawn * 100, bar.samples * 2) << "the control bar looks empty";
  } else {
    ASSERT_EQ(names.size(), 1u);
    EXPECT_TRUE(names.count(shot.panel));
    EXPECT_EQ(layout["panels"][0]["w"], kShotWidth) << "one panel fills the window";
    EXPECT_FALSE(layout.contains("controls"));
  }
}

TEST(GwdashScreenshotTest, ThreeLessonsRenderEveryPanelAndOnePanelAlone) {
  if (findOnPath("xvfb-run").empty()) GTEST_SKIP() << "xvfb-run is not installed";
  const std::vector<Shot> shots = {
      {"boundary_burst.json", 60.5, ""},
      {"outage_with_breaker.json", 25.0, ""},
      {"cache_stampede.json", 11.0, ""},
      {"outage_with_breaker.json", 25.0, "lesson"},
  };
  TempDir dir;
  const CliResult run = renderShots(shots, dir);
  ASSERT_TRUE(run.code.has_value()) << "gwdash under xvfb-run did not finish within a minute: " << run.err;
  ASSERT_EQ(*run.code, 0) << run.out << run.err;
  for (std::size_t i = 0; i < shots.size(); ++i) checkShot(shots[i], dir.file("shot" + std::to_string(i) + ".png"));
}

TEST(GwdashScreenshotTest, NoDisplayIsARuntimeFailureWithAMessage) {
  TempDir dir;
  const CliResult run = gateway::testing::runToExit(
      {"/usr/bin/env", "-u", "DISPLAY", "-u", "WAYLAND_DISPLAY", GWDASH_PATH,
       std::string(GATEWAY_SOURCE_DIR) + "/scenarios/boundary_burst.json", "--screenshot", dir.file("x.png"), "--at", "1"},
      dir.file("stderr.txt"));
  ASSERT_TRUE(run.code.has_value()) << run.err;
  EXPECT_EQ(*run.code, 3);
  EXPECT_TRUE(gateway::testing::contains(run.err, "no display")) << run.err;
}

TEST(GwdashScreenshotTest, BadFlagsAndScenariosAreBadInput) {
  TempDir dir;
  const std::string scenario = std::string(GATEWAY_SOURCE_DIR) + "/scenarios/boundary_burst.json";
  const std::string broken = dir.write("broken.json", R"({"name": "b", "duration_s": -1, "gateway": {}, "services": {}, "clients": []})");
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{scenario, "--panel", "nope"}, "--panel nope is not a panel ("},
      {{scenario, "--panel", "nope"}, "lesson"},
      {{scenario, "--screenshot", dir.file("x.png")}, "--screenshot needs --at"},
      {{scenario, "--screenshot", dir.file("x.png"), "--at", "500"}, "after the scenario's end"},
      {{scenario, "--size", "12x9000"}, "--size 12x9000 is not WxH"},
      {{scenario, "--speed", "5000"}, "--speed"},
      {{}, "give a SCENARIO file, or --attach"},
      {{dir.file("missing.json")}, "cannot read the scenario file"},
      {{broken}, "/duration_s: "},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {GWDASH_PATH};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const CliResult run = gateway::testing::runToExit(argv, dir.file("stderr.txt"));
    ASSERT_TRUE(run.code.has_value()) << c.says;
    EXPECT_EQ(*run.code, 2) << c.says << "\n" << run.err;
    EXPECT_TRUE(gateway::testing::contains(run.err, c.says)) << "expected \"" << c.says << "\" in: " << run.err;
  }
}

}  // namespace
}  // namespace gwdash

#endif  // GWDASH_PATH
