// gwdash's entry point; the app helper replaces this with the real command line.
#include <cstdio>

int main() {
  std::fputs("gwdash: not built yet\n", stderr);
  return 3;
}
