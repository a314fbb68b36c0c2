#include "tests/integration/temp_dir.h"

#include <stdlib.h>

#include <fstream>
#include <stdexcept>

namespace gateway::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "gateway-it-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& text) const {
  const std::string p = file(name);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  return p;
}

}  // namespace gateway::testing
