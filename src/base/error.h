// Error and Result<T>: how every fallible call in berth reports failure.
//
// An Error carries the errno that caused it (0 when there was none), a
// message naming the object and the cause, and the chain of contexts it
// passed through on the way up ("create abc: mount /proc: ..."). berth throws
// no exceptions of its own; functions that can fail return Result<T>.
//
// Error is a plain value type: copyable, movable, no shared state, safe to
// pass between threads. Code running between clone() and exec() must not
// build Errors (they allocate); it reports through a pipe instead.
#pragma once

#include <expected>
#include <string>
#include <utility>

#include <fmt/core.h>

namespace berth {

class Error {
 public:
  Error(int err, std::string message) : errno_(err), message_(std::move(message)) {}
  // An errno kept for callers to test (ENOENT, EEXIST) whose text the
  // message already says better: What() leaves it out.
  static Error Classified(int err, std::string message) {
    Error e(err, std::move(message));
    e.show_errno_ = false;
    return e;
  }

  // The errno behind this error, or 0.
  int code() const { return errno_; }
  // The innermost message, without contexts or the errno text.
  const std::string& message() const { return message_; }

  // Prepends a context: Error("x").Context("mount /proc") reads
  // "mount /proc: x".
  Error&& Context(std::string ctx) && {
    message_ = ctx + ": " + message_;
    return std::move(*this);
  }
  Error& Context(std::string ctx) & {
    message_ = ctx + ": " + message_;
    return *this;
  }

  // The whole line a user sees: contexts, message and the errno's text.
  std::string What() const;

 private:
  int errno_;
  std::string message_;
  bool show_errno_ = true;
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

// An error with no errno: Fail("process.cwd {} is not absolute", cwd).
template <typename... Args>
std::unexpected<Error> Fail(fmt::format_string<Args...> f, Args&&... args) {
  return std::unexpected(Error(0, fmt::format(f, std::forward<Args>(args)...)));
}

// An error carrying the current errno: FailErrno("open {}", path).
// Reads errno before formatting, so the formatting cannot clobber it.
template <typename... Args>
std::unexpected<Error> FailErrno(fmt::format_string<Args...> f, Args&&... args) {
  int e = errno;
  return std::unexpected(Error(e, fmt::format(f, std::forward<Args>(args)...)));
}

// An error with an explicit errno value, for APIs that return it.
template <typename... Args>
std::unexpected<Error> FailCode(int code, fmt::format_string<Args...> f, Args&&... args) {
  return std::unexpected(Error(code, fmt::format(f, std::forward<Args>(args)...)));
}

// An error with an errno for callers to test, and a message that already
// says what it means: FailAs(ENOENT, "container {} does not exist", id).
template <typename... Args>
std::unexpected<Error> FailAs(int code, fmt::format_string<Args...> f, Args&&... args) {
  return std::unexpected(Error::Classified(code, fmt::format(f, std::forward<Args>(args)...)));
}

inline Status Ok() { return {}; }

}  // namespace berth

// TRY(expr): evaluates a Result; on error returns it from the enclosing
// function, otherwise yields the value (or nothing, for Status).
#define TRY(expr)                                                             \
  ({                                                                          \
    auto try_result_ = (expr);                                                \
    if (!try_result_) return std::unexpected(std::move(try_result_).error()); \
    std::move(try_result_).value();                                           \
  })

// TRY_CTX(expr, fmt, args...): as TRY, prefixing the error with a context.
#define TRY_CTX(expr, ...)                                                                      \
  ({                                                                                            \
    auto try_result_ = (expr);                                                                  \
    if (!try_result_)                                                                           \
      return std::unexpected(std::move(try_result_).error().Context(fmt::format(__VA_ARGS__))); \
    std::move(try_result_).value();                                                             \
  })
