#include <csignal>

#include "cli/client/commands.h"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  return berth::cli::ClientMain(argc, argv);
}
