// Container output into json-file log lines: the bytes are the container's,
// so anything at all. Properties: every entry is one line of valid JSON;
// for valid UTF-8 output the logged texts, joined, give the output back.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "shim/json_file_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // The first byte picks the chunk size the pipe reads deliver.
  size_t chunk = size ? (static_cast<uint8_t>(in[0]) % 64) + 1 : 1;
  std::string joined;
  bool valid_utf8 = true;
  berth::shim::LineSplitter split;
  auto emit = [&](std::string_view text, bool newline) {
    std::string e = berth::shim::EncodeLogEntry(text, newline, "stdout", "T");
    if (e.empty() || e.back() != '\n' || e.find('\n') != e.size() - 1) std::abort();
    auto j = nlohmann::json::parse(e, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j["log"].is_string()) std::abort();
    if (text.size() > berth::shim::kMaxLogLine) std::abort();
    joined += j["log"].get<std::string>();
    if (j["log"].get<std::string>().find("\xef\xbf\xbd") != std::string::npos) valid_utf8 = false;
  };
  for (size_t at = 0; at < in.size(); at += chunk) split.Feed(in.substr(at, chunk), emit);
  split.Finish(emit);
  // A piece boundary may split a UTF-8 sequence (docker's does too): only
  // output whose pieces all decoded cleanly must round-trip.
  if (valid_utf8 && joined != in) std::abort();
  return 0;
}
