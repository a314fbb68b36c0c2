// gwdash's one window: GLFW with an OpenGL 3 context and Dear ImGui on top (the GLFW and
// OpenGL3 backends of Debian's libimgui). Opens, runs frames, reads the frame back for a
// screenshot. Main thread only; one per process.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct GLFWwindow;

namespace gwdash {

struct WindowOptions {
  int width = 1600;
  int height = 900;
  bool visible = true;  // false for screenshots and fps reports
  bool vsync = true;    // off for fps reports: frames as fast as they can be made
  std::string title = "gwdash";
};

// An image read back from the frame buffer, top row first, 3 bytes (RGB) a pixel.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;
};

class Window {
 public:
  // Null with `error` saying why (no display, no OpenGL 3 context).
  static std::unique_ptr<Window> open(const WindowOptions& options, std::string& error);
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  bool shouldClose() const;
  void setTitle(const std::string& title);
  // Polls input and starts an ImGui frame.
  void beginFrame();
  // Waits until an input event arrives or `seconds` pass (an idle window need not redraw at
  // the display's rate; without vsync, as under Xvfb, it would spin a core).
  void waitEvents(double seconds);
  // Renders the ImGui frame into the back buffer (not yet shown).
  void render();
  // Shows the back buffer.
  void present();
  // The back buffer as rendered by render(), flipped so the top row comes first.
  Image readBack() const;
  // The frame buffer's size in pixels.
  int width() const;
  int height() const;
  // Seconds since the window opened (GLFW's clock).
  double clock() const;

 private:
  Window() = default;
  GLFWwindow* window_ = nullptr;
};

}  // namespace gwdash
