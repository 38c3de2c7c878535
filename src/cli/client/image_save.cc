// berth save [-o FILE] IMAGE...: GET /images/get as a tar stream, to FILE
// (written beside it and renamed into place only when complete, so a
// failed save leaves nothing) or to stdout when that is not a terminal.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "base/unique_fd.h"
#include "cli/client/commands.h"

namespace berth::cli {

void AddSaveCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto output = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand(name, "Save one or more images to a tar archive");
  cmd->add_option("IMAGE", *names, "images")->required();
  cmd->add_option("-o,--output", *output, "write to a file, instead of STDOUT");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      std::string q = "/images/get?";
      for (size_t i = 0; i < names->size(); i++)
        q += (i ? "&" : "") + std::string("names=") + UrlEncode((*names)[i]);
      if (output->empty()) {
        if (::isatty(1)) {
          std::fprintf(stderr,
                       "cowardly refusing to save to a terminal. Use the -o flag or redirect\n");
          return 1;
        }
        auto r = o.Client().Download("GET", q, 1);
        if (!r) return LocalError(r.error());
        return r->status == 200 ? 0 : DaemonError(*r);
      }
      std::string tmp = *output + ".berth-save-tmp";
      UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      if (!fd) return LocalError(Error(errno, "failed to save: open " + *output));
      auto r = o.Client().Download("GET", q, fd.get());
      int rc = 0;
      if (!r)
        rc = LocalError(r.error());
      else if (r->status != 200)
        rc = DaemonError(*r);
      else if (::fsync(fd.get()) != 0 || ::rename(tmp.c_str(), output->c_str()) != 0)
        rc = LocalError(Error(errno, "failed to save: " + *output));
      if (rc != 0) ::unlink(tmp.c_str());
      return rc;
    };
  });
}

}  // namespace berth::cli
