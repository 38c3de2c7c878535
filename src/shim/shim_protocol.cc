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

Result<bool> BoolField(const nlohmann::json& j, const char* key, bool fallback) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (!it->is_boolean()) return Fail("{:?} must be true or false", key);
  return it->get<bool>();
}

// IDs name files and log lines in berthd: a safe alphabet, bounded length.
Result<std::string> ExecIdField(const nlohmann::json& j, bool required) {
  auto it = j.find("exec_id");
  if (it == j.end()) {
    if (required) return Fail("request needs an \"exec_id\"");
    return std::string();
  }
  if (!it->is_string()) return Fail("\"exec_id\" must be a string");
  const auto& id = it->get_ref<const std::string&>();
  bool valid = !id.empty() && id.size() <= kMaxExecIdLength;
  for (char ch : id)
    valid &= (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
             ch == '_' || ch == '.' || ch == '-';
  if (!valid)
    return Fail("exec id {:?} is invalid: 1 to {} of [A-Za-z0-9_.-]", id, kMaxExecIdLength);
  return id;
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
    r.exec_id = TRY(ExecIdField(j, false));
  } else if (name == "resize") {
    r.op = Op::kResize;
    r.width = TRY(UnsignedField(j, "width"));
    r.height = TRY(UnsignedField(j, "height"));
    r.exec_id = TRY(ExecIdField(j, false));
  } else if (name == "close-stdin") {
    r.op = Op::kCloseStdin;
    r.exec_id = TRY(ExecIdField(j, false));
  } else if (name == "attach") {
    r.op = Op::kAttach;
    r.stdin_once = TRY(BoolField(j, "stdin_once", false));
  } else if (name == "exec") {
    r.op = Op::kExec;
    r.exec_id = TRY(ExecIdField(j, true));
    auto p = j.find("process");
    if (p == j.end() || !p->is_object()) return Fail("exec needs a \"process\" object");
    auto args = p->find("args");
    if (args == p->end() || !args->is_array() || args->empty())
      return Fail("exec: process.args must name the program to run");
    r.terminal = TRY_CTX(BoolField(*p, "terminal", false), "exec: process");
    r.detach = TRY(BoolField(j, "detach", false));
    r.stdin = TRY(BoolField(j, "stdin", true));
    r.process = std::move(*p);
  } else if (name == "exec-state") {
    r.op = Op::kExecState;
    r.exec_id = TRY(ExecIdField(j, true));
  } else if (name == "exec-wait") {
    r.op = Op::kExecWait;
    r.exec_id = TRY(ExecIdField(j, true));
  } else {
    return Fail("unknown op {:?}", name);
  }
  return r;
}

std::string ExecStateAnswer(std::string_view exec_id, int pid, bool running, int exit_code) {
  nlohmann::json j = {{"ok", true},
                      {"exec_id", std::string(exec_id)},
                      {"pid", pid},
                      {"running", running},
                      {"exit_code", exit_code}};
  return j.dump() + "\n";
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
