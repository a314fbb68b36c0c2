// Screenshot files: the frame as a PNG (stb_image_write, from Debian's libstb) and its
// sidecar FILE.png.json with the layout's rectangles, so a test can find each panel's pixels.
#pragma once

#include <string>

#include "tools/gwdash/app/layout.h"
#include "tools/gwdash/app/window.h"

namespace gwdash {

// False with `error` saying why when a file cannot be written.
bool writeScreenshot(const Image& image, const Layout& layout, const std::string& path, std::string& error);

}  // namespace gwdash
