// kinase-gradbench: Kinase as a GradBench tool. It reads GradBench's messages from stdin, one JSON object per line,
// and writes one response per line to stdout, flushed at once (the eval waits for each response before it sends the
// next message). It ends at the end of stdin. The protocol and the modules are in gradbench.hpp.
//
//   ./gradbench run --eval './gradbench repo eval gmm' --tool 'path/to/kinase-gradbench'
#include <iostream>
#include <string>

#include "gradbench/gradbench.hpp"

int main() {
  std::ios::sync_with_stdio(false);
  kinase::gradbench::Session session;
  std::string line;
  while (std::getline(std::cin, line)) {
    const std::string response = session.respond(line);
    if (response.empty()) continue;  // a blank line is no message
    std::cout << response << '\n' << std::flush;
  }
  return 0;
}
