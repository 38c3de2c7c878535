// berth load [-i FILE] [-q]: POST /images/load with the archive streamed
// from FILE or stdin, printing the daemon's "Loaded image: ..." lines.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "base/unique_fd.h"
#include "cli/client/commands.h"
#include "cli/client/json_message.h"

namespace berth::cli {

void AddLoadCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a) {
  auto input = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand(name, "Load an image from a tar archive or STDIN");
  cmd->add_option("-i,--input", *input, "read from tar archive file, instead of STDIN");
  cmd->add_flag("-q,--quiet", *quiet, "suppress the load output");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      UniqueFd file;
      int fd = 0;
      if (!input->empty()) {
        file.Reset(::open(input->c_str(), O_RDONLY | O_CLOEXEC));
        if (!file) return LocalError(Error(errno, "open " + *input));
        fd = file.get();
      } else if (::isatty(0)) {
        std::fprintf(stderr, "requested load from stdin, but stdin is empty\n");
        return 1;
      }
      JsonMessageRenderer render(stdout, false);
      auto r = o.Client().Upload("POST", std::string("/images/load") + (*quiet ? "?quiet=1" : ""),
                                 fd, [&](std::string_view line) { return render.Render(line); });
      if (!r) return LocalError(r.error());
      if (r->status != 200) return DaemonError(*r);
      return 0;
    };
  });
}

}  // namespace berth::cli
