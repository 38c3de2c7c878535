// berth stats: the columns docker's CLI shows for one stats object of the
// Engine API (types.StatsJSON), with docker's formulas.
#pragma once

#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/client/commands.h"

namespace berth::cli {

// berth stats and berth container stats.
void AddStatsCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);

// docker's stats formatter fields, all strings: Container (as the user
// named it), Name, ID (12 hex unless `no_trunc`), CPUPerc ("12.34%",
// against precpu_stats), MemUsage ("1.5MiB / 7.6GiB", page cache left
// out), MemPerc, NetIO, BlockIO ("4.1kB / 0B"), PIDs.
nlohmann::json StatsFields(const nlohmann::json& stats, const std::string& container,
                           bool no_trunc);

// go-units BytesSize: binary units, 4 significant digits ("1.059MiB").
std::string BinarySize(double bytes);

}  // namespace berth::cli
