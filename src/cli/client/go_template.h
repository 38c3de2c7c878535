// The slice of Go's text/template that people pass to `--format`:
// "{{.ID}}", "{{.Config.Env}}", "{{json .}}", "{{json .Config}}", literal
// text around them, and a leading "table " (a header row of the field
// names, tab-aligned as docker prints it). Fields are looked up in a JSON
// object; strings print raw, lists of strings as Go prints them
// ("[a b]"), anything else as JSON.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::cli {

// Renders `tmpl` against `data`. Unknown fields are an error naming the
// field, as Go's template reports them ("can't evaluate field Foo").
Result<std::string> RenderGoTemplate(const std::string& tmpl, const nlohmann::json& data);

}  // namespace berth::cli
