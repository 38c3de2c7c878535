#include "cli/client/json_message.h"

#include "cli/client/units.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

namespace berth::cli {

std::string HumanSize(double bytes) { return HumanSizeWithPrecision(bytes, 4); }

std::string ProgressBar(int64_t current, int64_t total, int width) {
  if (current <= 0 && total <= 0) return "";
  if (total <= 0) return fmt::format("{:>8}", HumanSize(static_cast<double>(current)));
  int64_t shown = std::min(current, total);
  int bars = static_cast<int>(shown * width / total);
  std::string bar = "[" + std::string(bars, '=');
  if (bars < width) bar += ">" + std::string(width - bars - 1, ' ');
  bar += "]";
  return fmt::format("{} {:>8}/{}", bar, HumanSize(static_cast<double>(current)),
                     HumanSize(static_cast<double>(total)));
}

void JsonMessageRenderer::Show(const std::string& id, const std::string& text) {
  if (!terminal_ || id.empty()) {
    fmt::print(out_, "{}\n", text);
    if (terminal_) lines_++;
    return;
  }
  auto it = line_of_.find(id);
  if (it == line_of_.end()) {
    // A new id gets a new line at the bottom.
    line_of_[id] = lines_++;
    fmt::print(out_, "{}\n", text);
    return;
  }
  // Move up to the id's line, rewrite it, and come back down.
  int up = lines_ - it->second;
  fmt::print(out_, "\x1b[{}A\r\x1b[2K{}\r\x1b[{}B", up, text, up);
}

Status JsonMessageRenderer::Render(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.empty()) return Ok();
  auto m = nlohmann::json::parse(line, nullptr, false);
  if (m.is_discarded() || !m.is_object())
    return Fail("unexpected message from the daemon: {}", line.substr(0, 200));
  auto str = [&](const char* k) {
    auto it = m.find(k);
    return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (m.contains("aux")) aux_ = m["aux"].dump();
  if (auto err = str("error"); !err.empty()) {
    std::fflush(out_);
    return Fail("{}", err);
  }
  if (auto s = str("stream"); !s.empty()) {
    fmt::print(out_, "{}", s);
    return Ok();
  }
  std::string id = str("id"), status = str("status");
  int64_t current = 0, total = 0;
  if (auto d = m.find("progressDetail"); d != m.end() && d->is_object()) {
    current = d->value("current", int64_t{0});
    total = d->value("total", int64_t{0});
  }
  std::string progress = str("progress");
  bool has_progress = !progress.empty() || current > 0 || total > 0;
  // Piped output: progress updates would be noise.
  if (!terminal_ && has_progress) return Ok();
  if (status.empty() && !has_progress) return Ok();
  std::string text = id.empty() ? status : id + ": " + status;
  if (terminal_ && has_progress) {
    std::string bar = current > 0 || total > 0 ? ProgressBar(current, total) : progress;
    text += " " + bar;
  }
  Show(id, text);
  std::fflush(out_);
  return Ok();
}

}  // namespace berth::cli
