// Container output as docker's json-file log driver writes it, so that
// `docker logs`-style readers (berthd, and tools that read dockerd's files)
// can read ours: one JSON object per line,
//   {"log":"text\n","stream":"stdout","time":"2024-05-01T12:00:00.123456789Z"}
// with the text escaped as Go's encoding/json does (HTML-safe, invalid UTF-8
// as U+FFFD), and rotation at max-size into FILE.1 ... FILE.(max-file - 1).
//
// Not thread-safe; one writer per file. The shim owns the only instance.
#pragma once

#include <time.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/unique_fd.h"

namespace berth::shim {

// docker's copier breaks a line that has no newline within 16 KiB into
// 16 KiB pieces ("partial" messages).
inline constexpr size_t kMaxLogLine = 16 * 1024;

// Splits one stream's bytes into log entries as docker's copier does: each
// complete line (without its '\n', `newline` true); a line longer than
// kMaxLogLine as pieces of kMaxLogLine bytes (`newline` false) and then its
// last piece (`newline` true); at end of stream, a trailing text with no
// newline (`newline` false).
class LineSplitter {
 public:
  using Emit = std::function<void(std::string_view text, bool newline)>;
  void Feed(std::string_view data, const Emit& emit);
  // End of stream: whatever is buffered goes out as a partial entry.
  void Finish(const Emit& emit);

 private:
  std::string pending_;
};

// One log line's JSON (with its trailing '\n'). `newline` appends "\n" to
// the logged text, as docker does for complete lines.
void AppendLogEntry(std::string* out, std::string_view text, bool newline, std::string_view stream,
                    std::string_view time);
std::string EncodeLogEntry(std::string_view text, bool newline, std::string_view stream,
                           std::string_view time);

struct LogFileOptions {
  std::string path;
  int64_t max_size = -1;  // bytes; <= 0: never rotate
  int max_file = 1;       // files kept, counting the current one
};

class JsonFileLog {
 public:
  // Opens (creating, mode 0640) `path` for appending; an existing file's
  // size counts towards max_size, as docker continues a file after restart.
  static Result<JsonFileLog> Open(const LogFileOptions& o);

  // Adds one entry stamped `ts`. When the file has reached max_size it
  // is rotated first (so a file may pass max_size by one entry, as
  // docker's): FILE.(n-2) -> FILE.(n-1), ..., FILE -> FILE.1, new FILE; with
  // max_file 1 the file is truncated instead. Entries are buffered (up to
  // 64 KiB) so that a burst of lines costs one write(2): call Flush after
  // a burst, and before anyone must see the file complete.
  Status Write(std::string_view text, bool newline, std::string_view stream, const timespec& ts);
  Status Flush();

  // The file's size, buffered entries included.
  int64_t size() const { return size_; }

 private:
  Status Rotate();

  LogFileOptions o_;
  UniqueFd fd_;
  int64_t size_ = 0;
  std::string buffer_;
  timespec last_ts_{-1, 0};  // entries of one burst share a time: formatted once
  std::string last_time_;
};

}  // namespace berth::shim
