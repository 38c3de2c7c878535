// Pure helpers of the `berth` container commands: how docker's CLI shows a
// container (ps's columns), the filters JSON of the API, the 8-byte framed
// log stream, and --env-file. No I/O beyond what a caller hands in.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::cli {

// The first 12 hex digits of an ID (a "sha256:" prefix dropped), as docker
// prints IDs unless --no-trunc.
std::string TruncateId(std::string_view id);
// docker's formatter.Ellipsis: at most `width` characters (runes), the
// last one "…" when cut.
std::string Ellipsis(std::string_view s, size_t width);
// Go's strconv.Quote for the ASCII and UTF-8 text a command holds.
std::string GoQuote(std::string_view s);
// ps's COMMAND: quoted, and cut to 20 characters unless no_trunc.
std::string PsCommand(std::string_view command, bool no_trunc);
// ps's NAMES: the "/" prefix dropped; truncated, only the first name that
// is not a link ("/other/alias").
std::string PsNames(const nlohmann::json& names, bool no_trunc);
// ps's PORTS: "0.0.0.0:8080->80/tcp, 443/tcp" from /containers/json's
// Ports list; empty when there are none.
std::string PsPorts(const nlohmann::json& ports);
// ps's LABELS: "a=1,b=2" (sorted by key).
std::string PsLabels(const nlohmann::json& labels);
// Go's time.Time String() of a unix time in local time:
// "2026-12-02 07:41:00 +0000 UTC" (ps's CreatedAt).
std::string GoTimeString(int64_t unix_seconds);

// --since/--until as the API takes them, unix seconds: a Go duration
// ("10m", "1h30m", "5s") counts back from `now`; an RFC 3339 time is
// converted, as docker's CLI does; anything else is passed on for the
// daemon to judge.
std::string ApiTimestamp(const std::string& v, int64_t now);

// "-f name=x -f status=exited" as the API's filters JSON
// ({"name":{"x":true},"status":{"exited":true}}). A filter without "=" is
// an error in docker's words ("bad format of filter (expected name=value)").
Result<std::string> FiltersJson(const std::vector<std::string>& filters);

// Splits docker's multiplexed stream (8-byte header: stream id 0/1 stdout,
// 2 stderr, 3 bytes of zero, a 4-byte big-endian length; then the payload)
// fed in arbitrary pieces, handing each payload to `out(stream, bytes)`.
class LogDemuxer {
 public:
  using Sink = std::function<Status(int stream, std::string_view payload)>;
  explicit LogDemuxer(Sink out) : out_(std::move(out)) {}
  Status Feed(std::string_view data);
  // True when the stream ended on a frame boundary.
  bool Complete() const { return pending_.empty(); }

 private:
  Sink out_;
  std::string pending_;
};

// docker's --env-file: one VAR=value per line; blank lines and lines
// starting with "#" are skipped; leading whitespace is dropped; a line
// with just VAR takes VAR's value from `lookup` when it has one (else it
// stays VAR). A name with whitespace is an error ("variable 'A B' contains
// whitespaces"), as docker says.
Result<std::vector<std::string>> ParseEnvFile(
    std::string_view content, const std::function<const char*(const std::string&)>& lookup);

}  // namespace berth::cli
