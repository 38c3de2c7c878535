// berth-runtime: the OCI runtime. All of it lives in src/cli/runtime.
#include "cli/runtime/commands.h"

int main(int argc, char** argv, char** envp) { return berth::cli::Main(argc, argv, envp); }
