// berth export [-o FILE] CONTAINER: GET /containers/{id}/export, the
// container's filesystem as a tar stream, to FILE or stdout (never to a
// terminal, as docker refuses).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "base/unique_fd.h"
#include "cli/client/container_each.h"

namespace berth::cli {

void AddExportCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  struct Flags {
    std::string container, output;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = parent.add_subcommand("export", "Export a container's filesystem as a tar archive");
  cmd->add_option("CONTAINER", f->container, "container")->required();
  cmd->add_option("-o,--output", f->output, "write to a file, instead of STDOUT");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      if (f->output.empty() && ::isatty(1)) {
        std::fprintf(stderr,
                     "cowardly refusing to save to a terminal. Use the -o flag or redirect\n");
        return 1;
      }
      if (f->output.empty()) {
        auto r = o.Client().Download("GET", ContainerPath(f->container) + "/export", 1);
        if (!r) return LocalError(r.error());
        return r->status / 100 == 2 ? 0 : DaemonError(*r);
      }
      // docker writes the file beside its final name and renames it into
      // place, so a failed export leaves no partial archive behind.
      std::string tmp = f->output + ".berth-export-tmp";
      UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
      if (!fd) {
        std::fprintf(stderr, "failed to export container: open %s: %s\n", f->output.c_str(),
                     std::strerror(errno));
        return 1;
      }
      auto r = o.Client().Download("GET", ContainerPath(f->container) + "/export", fd.get());
      bool ok = r && r->status / 100 == 2 && ::fsync(fd.get()) == 0;
      fd.Reset();
      if (!ok || ::rename(tmp.c_str(), f->output.c_str()) != 0) {
        ::unlink(tmp.c_str());
        if (!r) return LocalError(r.error());
        if (r->status / 100 != 2) return DaemonError(*r);
        std::fprintf(stderr, "failed to export container: %s\n", std::strerror(errno));
        return 1;
      }
      return 0;
    };
  });
}

}  // namespace berth::cli
