#include "tools/gwdash/app/modes.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/core/exit_code.h"
#include "tools/gwdash/app/screenshot.h"
#include "tools/gwdash/app/window.h"

namespace gwdash {

namespace {

std::unique_ptr<Window> modesOpenWindow(const RunSettings& settings, bool visible, bool vsync, const std::string& title) {
  WindowOptions options;
  options.width = settings.width;
  options.height = settings.height;
  options.visible = visible;
  options.vsync = vsync;
  options.title = title;
  std::string error;
  auto window = Window::open(options, error);
  if (!window) std::fprintf(stderr, "gwdash: %s\n", error.c_str());
  return window;
}

// Plays the session to the chosen time before the first frame.
void modesStartAt(Dashboard& dashboard, const RunSettings& settings) {
  SimSession* session = dashboard.source().session();
  if (session == nullptr || !settings.at) return;
  if (*settings.at > session->now()) session->advance(*settings.at - session->now());
  dashboard.controls().jumpSeconds = static_cast<float>(static_cast<double>(session->now()) / 1e6);
}

double modesPercentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

}  // namespace

int runInteractive(Dashboard& dashboard, const RunSettings& settings) {
  auto window = modesOpenWindow(settings, true, true, "gwdash - " + dashboard.source().context().title);
  if (!window) return gateway::kExitRuntime;
  modesStartAt(dashboard, settings);
  dashboard.controls().player.speed = settings.speed;
  double last = window->clock();
  while (!window->shouldClose()) {
    // Paused, or attached (gatewayd's snapshots come a few times a second): about 20 frames a
    // second, and at once on input.
    if (!dashboard.controls().player.playing) window->waitEvents(0.05);
    window->beginFrame();
    const double now = window->clock();
    dashboard.frame(now - last, static_cast<float>(window->width()), static_cast<float>(window->height()));
    last = now;
    window->render();
    window->present();
  }
  return gateway::kExitOk;
}

int runScreenshot(Dashboard& dashboard, const RunSettings& settings) {
  auto window = modesOpenWindow(settings, false, false, "gwdash screenshot");
  if (!window) return gateway::kExitRuntime;
  modesStartAt(dashboard, settings);
  Image image;
  // ImGui sizes its windows on the first frame and settles on the next ones.
  constexpr int kScreenshotFrames = 3;
  for (int i = 0; i < kScreenshotFrames; ++i) {
    window->beginFrame();
    dashboard.frame(0, static_cast<float>(window->width()), static_cast<float>(window->height()));
    window->render();
    if (i + 1 == kScreenshotFrames) image = window->readBack();
    window->present();
  }
  std::string error;
  if (!writeScreenshot(image, dashboard.layout(), settings.screenshot, error)) {
    std::fprintf(stderr, "gwdash: %s\n", error.c_str());
    return gateway::kExitRuntime;
  }
  std::printf("wrote %s (%dx%d, %s) and %s.json\n", settings.screenshot.c_str(), image.width, image.height,
              dashboard.caption().c_str(), settings.screenshot.c_str());
  return gateway::kExitOk;
}

int runFpsReport(Dashboard& dashboard, const RunSettings& settings) {
  auto window = modesOpenWindow(settings, false, false, "gwdash fps report");
  if (!window) return gateway::kExitRuntime;
  modesStartAt(dashboard, settings);
  Player& player = dashboard.controls().player;
  player.speed = settings.speed;
  player.playing = true;
  SimSession* session = dashboard.source().session();
  const double simStart = session ? static_cast<double>(session->now()) / 1e6 : 0;
  const std::uint64_t eventsStart = session ? session->events() : 0;
  std::vector<double> frameMs;
  frameMs.reserve(static_cast<std::size_t>(settings.fpsFrames));
  using Clock = std::chrono::steady_clock;
  const auto begin = Clock::now();
  auto last = begin;
  double wall = 1.0 / 60.0;  // the first frame's share of play
  // Where a frame's time goes: the simulation and the panels' ImGui calls, then OpenGL (the
  // draw lists rasterised, and the frame handed to the display).
  std::vector<double> uiMs, glMs;
  for (int i = 0; i < settings.fpsFrames; ++i) {
    window->beginFrame();
    dashboard.frame(wall, static_cast<float>(window->width()), static_cast<float>(window->height()));
    const auto built = Clock::now();
    window->render();
    window->present();
    const auto now = Clock::now();
    uiMs.push_back(std::chrono::duration<double, std::milli>(built - last).count());
    glMs.push_back(std::chrono::duration<double, std::milli>(now - built).count());
    wall = std::chrono::duration<double>(now - last).count();
    frameMs.push_back(wall * 1000.0);
    last = now;
  }
  const double seconds = std::chrono::duration<double>(last - begin).count();
  nlohmann::json report = {
      {"scenario", dashboard.source().context().title},
      {"frames", settings.fpsFrames},
      {"size", std::to_string(window->width()) + "x" + std::to_string(window->height())},
      {"speed", settings.speed},
      {"simulated_from_s", simStart},
      {"simulated_to_s", session ? static_cast<double>(session->now()) / 1e6 : 0},
      {"events_played", session ? session->events() - eventsStart : 0},
      {"wall_s", seconds},
      {"fps_mean", seconds > 0 ? settings.fpsFrames / seconds : 0},
      {"frame_ms_p50", modesPercentile(frameMs, 0.50)},
      {"frame_ms_p99", modesPercentile(frameMs, 0.99)},
      {"frame_ms_max", modesPercentile(frameMs, 1.0)},
      {"ui_ms_p50", modesPercentile(uiMs, 0.50)},
      {"gl_ms_p50", modesPercentile(glMs, 0.50)},
  };
  std::printf("%s\n", report.dump().c_str());
  return gateway::kExitOk;
}

}  // namespace gwdash
