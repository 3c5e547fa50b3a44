#pragma once
// A Plan as a table for people and as JSON for scripts, and the formulas behind it.
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "src/plan/plan.h"

namespace ropescale::plan {

// The table `ropescale plan` prints (ends with the formulas).
std::string PlanTable(const Plan& plan);

// Every number of the plan (FLOPs, bytes, seconds as plain numbers) and the inputs.
nlohmann::json PlanJson(const Plan& plan);

// The FLOP, memory and time formulas, one per line (also in --help and src/plan/README.md).
std::string PlanFormulas();

}  // namespace ropescale::plan
