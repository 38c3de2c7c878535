// docker logs over the json-file files the shim writes: the rotated files
// oldest first, then the current one; entries filtered by stream and time,
// the last N kept, and with follow, new entries as they are appended until
// the container has exited and the file is read to its end. A file rotated
// away while followed is read to its end before the new one is opened.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <thread>

#include "base/clock.h"
#include "base/unique_fd.h"
#include "engine/container_live.h"
#include "engine/container_service.h"
#include "shim/shim_protocol.h"

namespace berth::engine {
namespace {

struct Entry {
  uint8_t stream;
  std::string text;
  std::string time;
};

// One log line; false for a line that is not a log entry (a torn write).
bool ParseEntry(std::string_view line, Entry* e) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) return false;
  auto log = j.find("log");
  auto stream = j.find("stream");
  auto time = j.find("time");
  if (log == j.end() || !log->is_string()) return false;
  e->text = log->get<std::string>();
  e->stream = stream != j.end() && stream->is_string() && stream->get<std::string>() == "stderr"
                  ? shim::kStreamStderr
                  : shim::kStreamStdout;
  e->time = time != j.end() && time->is_string() ? time->get<std::string>() : "";
  return true;
}

class LogReader {
 public:
  LogReader(const LogOptions& o, bool tty, const std::function<bool(std::string_view)>& write)
      : o_(o), tty_(tty), write_(write) {}

  bool Wanted(const Entry& e) const {
    if (e.stream == shim::kStreamStdout && !o_.stdout) return false;
    if (e.stream == shim::kStreamStderr && !o_.stderr) return false;
    int64_t t = ParseRfc3339Nanos(e.time);
    if (o_.since_nano && t < o_.since_nano) return false;
    if (o_.until_nano && t > o_.until_nano) return false;
    return true;
  }

  // Sends one entry; false once the client is gone.
  bool Send(const Entry& e) {
    std::string payload = o_.timestamps ? e.time + " " + e.text : e.text;
    if (tty_) return write_(payload);
    std::string frame;
    shim::AppendFrame(&frame, e.stream, payload);
    return write_(frame);
  }

  // Complete lines of `data` (appended to what a previous read left).
  template <class Fn>
  void Lines(std::string_view data, Fn&& fn) {
    partial_.append(data);
    size_t start = 0, nl;
    while ((nl = partial_.find('\n', start)) != std::string::npos) {
      fn(std::string_view(partial_).substr(start, nl - start));
      start = nl + 1;
    }
    partial_.erase(0, start);
  }

  void ResetPartial() { partial_.clear(); }

 private:
  const LogOptions& o_;
  bool tty_;
  const std::function<bool(std::string_view)>& write_;
  std::string partial_;
};

std::string ReadAllFrom(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace

Status ContainerService::Logs(const std::string& name_or_id, const LogOptions& options,
                              const std::function<bool(std::string_view)>& write) {
  ContainerRecord rec = TRY(store_.Lookup(name_or_id));
  if (rec.log_path.empty())
    return FailAs(EINVAL, "configured logging driver does not support reading");
  ContainerConfig config = TRY(ParseContainerConfig(rec.config));
  HostConfig host_config = TRY(ParseHostConfig(rec.host_config));
  LogReader reader(options, config.tty, write);
  auto live = LiveOf(rec.id);

  // 1. What is there now: rotated files oldest first, then the current
  // one, which stays open for following.
  std::deque<Entry> entries;
  auto take = [&](std::string_view line) {
    Entry e;
    if (!ParseEntry(line, &e) || !reader.Wanted(e)) return;
    entries.push_back(std::move(e));
    if (options.tail >= 0 && entries.size() > static_cast<size_t>(options.tail))
      entries.pop_front();
  };
  for (int64_t i = host_config.log_config.max_file - 1; i >= 1; i--) {
    UniqueFd fd(::open((rec.log_path + "." + std::to_string(i)).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) continue;
    reader.Lines(ReadAllFrom(fd.get()), take);
    reader.ResetPartial();
  }
  UniqueFd cur(::open(rec.log_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (cur) reader.Lines(ReadAllFrom(cur.get()), take);
  if (options.tail != 0)
    for (const Entry& e : entries)
      if (!reader.Send(e)) return Ok();
  if (!options.follow) return Ok();

  // 2. Following: new lines as they come, until the container has exited
  // and the file is drained, the client goes, or `until` has passed.
  auto send_line = [&](std::string_view line) {
    Entry e;
    if (ParseEntry(line, &e) && reader.Wanted(e)) (void)reader.Send(e);
  };
  for (;;) {
    bool running;
    {
      std::lock_guard lock(mu_);
      running = live->running;
    }
    if (cur) reader.Lines(ReadAllFrom(cur.get()), send_line);
    // Rotated: the name now holds a new file. Drain the old one first.
    struct stat named, open_st;
    if (::stat(rec.log_path.c_str(), &named) == 0 &&
        (!cur || (::fstat(cur.get(), &open_st) == 0 && open_st.st_ino != named.st_ino))) {
      if (cur) reader.Lines(ReadAllFrom(cur.get()), send_line);
      reader.ResetPartial();
      cur.Reset(::open(rec.log_path.c_str(), O_RDONLY | O_CLOEXEC));
      continue;
    }
    if (!running) return Ok();
    if (options.until_nano) {
      auto now = std::chrono::system_clock::now().time_since_epoch();
      if (std::chrono::duration_cast<std::chrono::nanoseconds>(now).count() > options.until_nano)
        return Ok();
    }
    // A keep-alive of nothing tells whether the client is still there.
    if (!write("")) return Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace berth::engine
