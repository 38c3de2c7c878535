#include "shim/shim_protocol.h"

#include <nlohmann/json.hpp>

#include "runtime/runtime.h"

namespace berth::shim {
namespace {

// nlohmann's accessors throw on a wrong type; these check first.
Result<unsigned> UnsignedField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned() || it->get<uint64_t>() > 0xFFFF)
    return Fail("{:?} must be a number from 0 to 65535", key);
  return static_cast<unsigned>(it->get<uint64_t>());
}

Result<int> SignalField(const nlohmann::json& j) {
  auto it = j.find("signal");
  if (it == j.end()) return Fail("kill needs a \"signal\"");
  if (it->is_number_unsigned()) return runtime::ParseSignal(std::to_string(it->get<uint64_t>()));
  if (it->is_string()) return runtime::ParseSignal(it->get<std::string>());
  return Fail("\"signal\" must be a number or a signal name");
}

}  // namespace

Result<Request> ParseRequest(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Fail("request is not a JSON object");
  auto op = j.find("op");
  if (op == j.end() || !op->is_string()) return Fail("request has no \"op\"");
  const auto& name = op->get_ref<const std::string&>();
  Request r;
  if (name == "state") {
    r.op = Op::kState;
  } else if (name == "wait") {
    r.op = Op::kWait;
  } else if (name == "kill") {
    r.op = Op::kKill;
    r.signal = TRY(SignalField(j));
  } else if (name == "resize") {
    r.op = Op::kResize;
    r.width = TRY(UnsignedField(j, "width"));
    r.height = TRY(UnsignedField(j, "height"));
  } else if (name == "close-stdin") {
    r.op = Op::kCloseStdin;
  } else if (name == "attach") {
    r.op = Op::kAttach;
    auto once = j.find("stdin_once");
    if (once != j.end() && !once->is_boolean()) return Fail("\"stdin_once\" must be true or false");
    r.stdin_once = once != j.end() && once->get<bool>();
  } else {
    return Fail("unknown op {:?}", name);
  }
  return r;
}

std::string ErrorAnswer(std::string_view message) {
  nlohmann::json j = {{"ok", false}, {"error", std::string(message)}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void AppendFrame(std::string* out, uint8_t stream, std::string_view data) {
  auto n = static_cast<uint32_t>(data.size());
  char header[8] = {static_cast<char>(stream),
                    0,
                    0,
                    0,
                    static_cast<char>(n >> 24),
                    static_cast<char>(n >> 16),
                    static_cast<char>(n >> 8),
                    static_cast<char>(n)};
  out->append(header, sizeof header);
  out->append(data);
}

}  // namespace berth::shim
