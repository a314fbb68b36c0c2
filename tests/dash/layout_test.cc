// gwdash's fixed layout: the control bar on top, the lesson as a left column, the other panels
// in a grid that covers the rest of the window exactly (no overlap, no gap), and one panel
// alone filling the window. Built with the gwdash app (outside sanitizer builds).
#ifdef GWDASH_PATH

#include "tools/gwdash/app/layout.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace gwdash {
namespace {

double layoutArea(const Rect& r) { return static_cast<double>(r.w) * static_cast<double>(r.h); }

bool layoutOverlap(const Rect& a, const Rect& b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

void expectTiles(const Layout& layout, float width, float height) {
  double covered = layoutArea(layout.controls);
  std::vector<Rect> all = {layout.controls};
  for (const auto& p : layout.panels) {
    EXPECT_GE(p.rect.x, 0) << p.name;
    EXPECT_GE(p.rect.y, 0) << p.name;
    EXPECT_LE(p.rect.x + p.rect.w, width) << p.name;
    EXPECT_LE(p.rect.y + p.rect.h, height) << p.name;
    for (const auto& other : all) EXPECT_FALSE(layoutOverlap(p.rect, other)) << p.name;
    all.push_back(p.rect);
    covered += layoutArea(p.rect);
  }
  EXPECT_DOUBLE_EQ(covered, static_cast<double>(width) * height);
}

TEST(GwdashLayoutTest, SevenPanelsTileTheWindowWithTheLessonOnTheLeft) {
  const std::vector<std::string> names = {"topology", "limiter", "breaker", "cache", "latency", "inspector", "lesson"};
  for (const auto& [w, h] : std::vector<std::pair<float, float>>{{1600, 900}, {1920, 1080}, {1280, 720}}) {
    const Layout layout = computeLayout(w, h, names, true);
    ASSERT_EQ(layout.panels.size(), names.size());
    EXPECT_EQ(layout.controls.w, w);
    EXPECT_EQ(layout.controls.h, kControlBarHeight);
    EXPECT_EQ(layout.panels[0].name, "lesson");
    EXPECT_EQ(layout.panels[0].rect.x, 0);
    EXPECT_EQ(layout.panels[0].rect.h, h - kControlBarHeight);
    // Six panels in two rows of three.
    EXPECT_EQ(layout.panels[1].rect.y, layout.panels[3].rect.y);
    EXPECT_LT(layout.panels[3].rect.y, layout.panels[4].rect.y);
    expectTiles(layout, w, h);
  }
}

TEST(GwdashLayoutTest, UnevenRowsStretchAndOnePanelFillsTheWindow) {
  const Layout five = computeLayout(1600, 900, {"a", "b", "c", "d", "e"}, true);
  ASSERT_EQ(five.panels.size(), 5u);
  EXPECT_EQ(five.panels[3].rect.w + five.panels[4].rect.w, 1600);
  expectTiles(five, 1600, 900);

  const Layout one = computeLayout(1280, 720, {"breaker"}, false);
  ASSERT_EQ(one.panels.size(), 1u);
  EXPECT_EQ(one.controls.w, 0);
  EXPECT_EQ(one.panels[0].rect.w, 1280);
  EXPECT_EQ(one.panels[0].rect.h, 720);
  const auto json = one.toJson(1280, 720);
  EXPECT_FALSE(json.contains("controls"));
  EXPECT_EQ(json["panels"][0]["name"], "breaker");
  EXPECT_EQ(json["panels"][0]["w"], 1280);
}

}  // namespace
}  // namespace gwdash

#endif  // GWDASH_PATH
