// The toolkit's version, one for every binary (`--version`): the project version from the
// top CMakeLists.txt, and the git commit the tree was configured at when there is one.
#pragma once

#include <string_view>

namespace gateway {

// "0.1.0" or "0.1.0 (abc1234)".
std::string_view version();

}  // namespace gateway
