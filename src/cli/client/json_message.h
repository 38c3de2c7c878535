// Docker's JSON message stream as the docker CLI shows it: the progress of
// `pull`, `push` and `load`, one JSON object per message
// ({"status", "id", "progress", "progressDetail": {"current", "total"},
//   "stream", "error", "errorDetail", "aux"}).
//
// On a terminal every message with an "id" owns one line, rewritten in
// place as it changes (progress bars); elsewhere progress updates are
// dropped and each status is printed once as a plain "ID: STATUS" line, as
// docker does when its output is piped.
//
// Not thread-safe; one renderer per stream.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>

#include "base/error.h"

namespace berth::cli {

// docker's HumanSize: decimal units, 4 significant digits ("3.146MB").
std::string HumanSize(double bytes);
// The bar docker draws for current/total: "[====>     ]  1.05MB/3.15MB";
// width is the bar's inner width (docker uses 50). Empty when nothing is
// known; just the size when the total is unknown.
std::string ProgressBar(int64_t current, int64_t total, int width = 50);

class JsonMessageRenderer {
 public:
  JsonMessageRenderer(FILE* out, bool terminal) : out_(out), terminal_(terminal) {}

  // Renders one message (one line of the stream). A message carrying
  // "error" is returned as an Error (the daemon's failure), after the lines
  // before it have been shown. Lines that are not JSON are an error too.
  Status Render(std::string_view line);
  // The "aux" object of the last message that had one ({"ID": ...} after a
  // build, {"Tag", "Digest", "Size"} after a push), as JSON text.
  const std::string& last_aux() const { return aux_; }

 private:
  void Show(const std::string& id, const std::string& text);
  FILE* out_;
  bool terminal_;
  std::map<std::string, int> line_of_;  // id -> its line, counted from the first
  int lines_ = 0;
  std::string aux_;
};

}  // namespace berth::cli
