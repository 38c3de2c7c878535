#include "cli/client/go_template.h"

#include <fmt/core.h>

namespace berth::cli {

namespace {

using nlohmann::json;

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

Result<json> Lookup(const json& data, const std::string& path) {
  if (path == ".") return data;
  if (path.empty() || path[0] != '.') return Fail("template: unsupported expression \"{}\"", path);
  const json* cur = &data;
  size_t i = 1;
  while (i <= path.size()) {
    size_t j = path.find('.', i);
    if (j == std::string::npos) j = path.size();
    std::string field = path.substr(i, j - i);
    if (!cur->is_object() || !cur->contains(field))
      return Fail("template: can't evaluate field {} in {}", field, path);
    cur = &(*cur)[field];
    i = j + 1;
  }
  return *cur;
}

std::string Show(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "<no value>";
  if (v.is_array()) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); i++) s += (i ? " " : "") + Show(v[i]);
    return s + "]";
  }
  if (v.is_object()) {
    std::string s = "map[";
    bool first = true;
    for (auto& [k, e] : v.items()) {
      s += (first ? "" : " ") + k + ":" + Show(e);
      first = false;
    }
    return s + "]";
  }
  return v.dump();
}

}  // namespace

Result<std::string> RenderGoTemplate(const std::string& tmpl, const json& data) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    size_t open = tmpl.find("{{", i);
    if (open == std::string::npos) {
      out += tmpl.substr(i);
      break;
    }
    out += tmpl.substr(i, open - i);
    size_t close = tmpl.find("}}", open);
    if (close == std::string::npos) return Fail("template: unclosed action in \"{}\"", tmpl);
    std::string expr = Trim(tmpl.substr(open + 2, close - open - 2));
    // The value is taken into a local first: a TRY returning from inside
    // a larger expression skips destructors there with g++ 12 (a leak).
    if (expr.starts_with("json ")) {
      auto v = TRY(Lookup(data, Trim(expr.substr(5))));
      out += v.dump();
    } else {
      auto v = TRY(Lookup(data, expr));
      out += Show(v);
    }
    i = close + 2;
  }
  // Go's templates expand \t and \n escapes the shell passed literally.
  std::string unescaped;
  for (size_t k = 0; k < out.size(); k++) {
    if (out[k] == '\\' && k + 1 < out.size() && (out[k + 1] == 't' || out[k + 1] == 'n')) {
      unescaped += out[k + 1] == 't' ? '\t' : '\n';
      k++;
    } else {
      unescaped += out[k];
    }
  }
  return unescaped;
}

}  // namespace berth::cli
