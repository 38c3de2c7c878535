#include "shim/json_file_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/clock.h"
#include "sys/syscalls.h"

namespace berth::shim {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 if it is not one
// (overlong forms, surrogates and code points past U+10FFFF included).
size_t Utf8Length(std::string_view s, size_t i, uint32_t* cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  size_t n;
  uint32_t v;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2, v = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, v = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, v = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

void AppendEscaped(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    size_t n = Utf8Length(s, i, &cp);
    if (n == 0) {
      out->append("\\ufffd");  // Go replaces each invalid byte
      ++i;
      continue;
    }
    if (n > 1) {
      // U+2028 and U+2029 end lines in JavaScript; Go escapes them.
      if (cp == 0x2028 || cp == 0x2029)
        out->append(cp == 0x2028 ? "\\u2028" : "\\u2029");
      else
        out->append(s.substr(i, n));
      i += n;
      continue;
    }
    char c = s[i++];
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        // Control characters, and <, > and & as Go's HTML-safe encoder.
        if (static_cast<unsigned char>(c) < 0x20 || c == '<' || c == '>' || c == '&') {
          out->append("\\u00");
          out->push_back(kHex[(c >> 4) & 0xF]);
          out->push_back(kHex[c & 0xF]);
        } else {
          out->push_back(c);
        }
    }
  }
}

// Rfc3339Nano's text, by hand: the log's hot path then runs no fmt code
// (whose pages would stay resident in every chatty container's shim).
std::string LogTime(const timespec& ts) {
  int64_t days = ts.tv_sec / 86400, rem = ts.tv_sec % 86400;
  if (rem < 0) rem += 86400, days -= 1;
  CivilDate d = CivilFromDays(days);
  char buf[32];
  auto put = [&](int at, int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) buf[at + i] = static_cast<char>('0' + v % 10);
  };
  put(0, d.year, 4);
  buf[4] = '-';
  put(5, d.month, 2);
  buf[7] = '-';
  put(8, d.day, 2);
  buf[10] = 'T';
  put(11, rem / 3600, 2);
  buf[13] = ':';
  put(14, rem / 60 % 60, 2);
  buf[16] = ':';
  put(17, rem % 60, 2);
  buf[19] = '.';
  put(20, ts.tv_nsec, 9);
  buf[29] = 'Z';
  return std::string(buf, 30);
}

}  // namespace

void LineSplitter::Feed(std::string_view data, const Emit& emit) {
  pending_.append(data);
  size_t p = 0;
  for (;;) {
    // docker reads into a 16 KiB buffer: a line fits when it and its
    // newline do (so at most kMaxLogLine - 1 bytes of text).
    size_t nl = pending_.find('\n', p);
    if (nl != std::string::npos && nl - p < kMaxLogLine) {
      emit(std::string_view(pending_).substr(p, nl - p), true);
      p = nl + 1;
      continue;
    }
    // A full buffer with no newline goes out as a partial piece.
    if (pending_.size() - p >= kMaxLogLine) {
      emit(std::string_view(pending_).substr(p, kMaxLogLine), false);
      p += kMaxLogLine;
      continue;
    }
    break;
  }
  pending_.erase(0, p);
}

void LineSplitter::Finish(const Emit& emit) {
  if (!pending_.empty()) emit(pending_, false);
  pending_.clear();
  pending_.shrink_to_fit();
}

void AppendLogEntry(std::string* out, std::string_view text, bool newline, std::string_view stream,
                    std::string_view time) {
  out->append("{\"log\":\"");
  AppendEscaped(out, text);
  if (newline) out->append("\\n");
  out->append("\",\"stream\":\"");
  AppendEscaped(out, stream);
  out->append("\",\"time\":\"");
  out->append(time);
  out->append("\"}\n");
}

std::string EncodeLogEntry(std::string_view text, bool newline, std::string_view stream,
                           std::string_view time) {
  std::string out;
  AppendLogEntry(&out, text, newline, stream, time);
  return out;
}

Result<JsonFileLog> JsonFileLog::Open(const LogFileOptions& o) {
  JsonFileLog log;
  log.o_ = o;
  log.fd_.Reset(::open(o.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!log.fd_) return FailErrno("log file {}", o.path);
  struct stat st;
  if (::fstat(log.fd_.get(), &st) != 0) return FailErrno("log file {}", o.path);
  log.size_ = st.st_size;
  return log;
}

Status JsonFileLog::Rotate() {
  if (o_.max_file <= 1) {
    if (::ftruncate(fd_.get(), 0) != 0) return FailErrno("truncate log file {}", o_.path);
    size_ = 0;
    return Ok();
  }
  // Oldest first, so each rename moves into a free (or discarded) name.
  for (int i = o_.max_file - 1; i > 1; --i) {
    std::string from = o_.path + "." + std::to_string(i - 1);
    std::string to = o_.path + "." + std::to_string(i);
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT)
      return FailErrno("rotate log file {}", from);
  }
  std::string first = o_.path + ".1";
  if (::rename(o_.path.c_str(), first.c_str()) != 0)
    return FailErrno("rotate log file {}", o_.path);
  fd_.Reset(::open(o_.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640));
  if (!fd_) return FailErrno("log file {}", o_.path);
  size_ = 0;
  return Ok();
}

Status JsonFileLog::Write(std::string_view text, bool newline, std::string_view stream,
                          const timespec& ts) {
  if (o_.max_size > 0 && size_ >= o_.max_size) {
    TRY(Flush());
    TRY(Rotate());
  }
  if (ts.tv_sec != last_ts_.tv_sec || ts.tv_nsec != last_ts_.tv_nsec) {
    last_ts_ = ts;
    last_time_ = LogTime(ts);
  }
  size_t before = buffer_.size();
  AppendLogEntry(&buffer_, text, newline, stream, last_time_);
  size_ += static_cast<int64_t>(buffer_.size() - before);
  if (buffer_.size() >= 64 * 1024) return Flush();
  return Ok();
}

Status JsonFileLog::Flush() {
  if (buffer_.empty()) return Ok();
  bool ok = sys::WriteAll(fd_.get(), buffer_.data(), buffer_.size()) == 0;
  // A failed write (disk full) drops the burst rather than growing forever.
  buffer_.clear();
  if (buffer_.capacity() > 128 * 1024) buffer_.shrink_to_fit();
  if (!ok) return FailErrno("write log file {}", o_.path);
  return Ok();
}

}  // namespace berth::shim
