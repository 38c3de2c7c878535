// berth import [-c CHANGE]... [-m MESSAGE] [--platform P] file|URL|- [REPOSITORY[:TAG]]:
// POST /images/create?fromSrc=..., the tarball streamed from the file or
// stdin as the request body (a URL is the daemon's to fetch), printing the
// new image's ID as docker does.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "base/unique_fd.h"
#include "cli/client/commands.h"
#include "cli/client/json_message.h"

namespace berth::cli {

void AddImportCommand(CLI::App& parent, const std::string& name, ClientOptions& o,
                      ClientAction* a) {
  auto source = std::make_shared<std::string>();
  auto repo = std::make_shared<std::string>();
  auto changes = std::make_shared<std::vector<std::string>>();
  auto message = std::make_shared<std::string>();
  auto platform = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand(
      name, "Import the contents from a tarball to create a filesystem image");
  cmd->add_option("SOURCE", *source, "file, URL, or - for STDIN")->required();
  cmd->add_option("REPOSITORY", *repo, "REPOSITORY[:TAG] to tag the image with");
  cmd->add_option("-c,--change", *changes, "Apply Dockerfile instruction to the created image")
      ->allow_extra_args(false);
  cmd->add_option("-m,--message", *message, "Set commit message for imported image");
  cmd->add_option("--platform", *platform, "Set platform if server is multi-platform capable");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      // As the docker CLI: a file or stdin goes as the body ("-" to the
      // daemon, hence its "Imported from -"); only a URL is named.
      bool url = source->starts_with("http://") || source->starts_with("https://");
      std::string q = "/images/create?fromSrc=" + UrlEncode(url ? *source : "-");
      if (!repo->empty()) q += "&repo=" + UrlEncode(*repo);
      if (!message->empty()) q += "&message=" + UrlEncode(*message);
      if (!platform->empty()) q += "&platform=" + UrlEncode(*platform);
      for (const std::string& c : *changes) q += "&changes=" + UrlEncode(c);

      JsonMessageRenderer render(stdout, false);
      auto on_line = [&](std::string_view line) { return render.Render(line); };
      Result<ApiResponse> r;
      if (url) {
        r = o.Client().Stream("POST", q, on_line);
      } else {
        UniqueFd file;
        int fd = 0;
        if (*source != "-") {
          file.Reset(::open(source->c_str(), O_RDONLY | O_CLOEXEC));
          if (!file) return LocalError(Error(errno, "open " + *source));
          fd = file.get();
        }
        r = o.Client().Upload("POST", q, fd, on_line);
      }
      if (!r) return LocalError(r.error());
      if (r->status / 100 != 2) return DaemonError(*r);
      return 0;
    };
  });
}

}  // namespace berth::cli
