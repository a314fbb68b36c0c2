#include "tools/gwdash/app/screenshot.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <stb_image_write.h>

namespace gwdash {

bool writeScreenshot(const Image& image, const Layout& layout, const std::string& path, std::string& error) {
  {
    // stb reports no reason; opening the file first gives one.
    std::ofstream probe(path, std::ios::binary);
    if (!probe) {
      error = "cannot write " + path + ": " + std::strerror(errno);
      return false;
    }
  }
  if (stbi_write_png(path.c_str(), image.width, image.height, 3, image.rgb.data(), image.width * 3) == 0) {
    error = "cannot write the PNG " + path;
    return false;
  }
  const std::string sidecar = path + ".json";
  std::ofstream out(sidecar);
  out << layout.toJson(image.width, image.height).dump(1) << "\n";
  out.close();
  if (!out) {
    error = "cannot write " + sidecar;
    return false;
  }
  return true;
}

}  // namespace gwdash
