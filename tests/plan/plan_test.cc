// MakePlan ties the terms together: times are FLOPs over the rank's rate, the rate follows
// the backend and its overrides, bad requests name the field, the JSON holds the plan's values.
#include "src/plan/plan.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "src/core/error.h"
#include "src/plan/model_shapes.h"
#include "src/plan/plan_report.h"

namespace ropescale::plan {
namespace {

PlanRequest Request(const std::string& shape, const std::string& backend, int64_t tokens) {
  PlanRequest r;
  r.config = NamedModelShape(shape);
  r.model = shape;
  r.target_len = tokens;
  r.trained_len = r.config.rope.max_position_embeddings;
  r.ranks = 4;
  r.backend = DefaultBackendProfile(backend);
  r.search = SearchShape{64, 32, 40, 8};
  return r;
}

TEST(MakePlan, TimesAreFlopsOverTheRanksRate) {
  PlanRequest r = Request("tiny", "cpu", 2048);
  r.threads = 3;
  const Plan p = MakePlan(r);
  EXPECT_DOUBLE_EQ(p.rank_flops_per_s, 3 * 55e9);  // cpu: per thread
  EXPECT_DOUBLE_EQ(p.forward_s, p.forward.Total() / (3 * 55e9));
  EXPECT_DOUBLE_EQ(p.train_step_s, p.train.Total() / (3 * 55e9));
  EXPECT_DOUBLE_EQ(p.train_step_recompute_s, p.train_recompute.Total() / (3 * 55e9));
  EXPECT_DOUBLE_EQ(p.search.candidate_s, 8 * p.forward_s);
  EXPECT_EQ(p.search.forwards, (64 + 40 * 32) * 8);
  EXPECT_EQ(p.parameters, 918656);

  PlanRequest cuda = Request("llama3-8b", "cuda", 131072);
  cuda.threads = 16;  // a device is one unit whatever the threads
  EXPECT_DOUBLE_EQ(MakePlan(cuda).rank_flops_per_s, 989.4e12 * 0.40);
  cuda.backend.efficiency = 0.5;
  EXPECT_DOUBLE_EQ(MakePlan(cuda).rank_flops_per_s, 989.4e12 * 0.5);
  cuda.flops_per_s = 1e14;
  const Plan given = MakePlan(cuda);
  EXPECT_DOUBLE_EQ(given.rank_flops_per_s, 1e14);
  EXPECT_DOUBLE_EQ(given.forward_s, given.forward.Total() / 1e14);
}

TEST(MakePlan, BadRequestsNameTheField) {
  const auto message = [](const PlanRequest& r) {
    try {
      MakePlan(r);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  PlanRequest r = Request("tiny", "cpu", 0);
  EXPECT_NE(message(r).find("target length 0"), std::string::npos) << message(r);
  r = Request("tiny", "cpu", 512);
  r.ranks = 0;
  EXPECT_NE(message(r).find("ranks"), std::string::npos) << message(r);
  r = Request("tiny", "cpu", 512);
  r.threads = 0;
  EXPECT_NE(message(r).find("threads"), std::string::npos) << message(r);
  r = Request("tiny", "cpu", 512);
  r.backend.efficiency = 1.5;
  EXPECT_NE(message(r).find("efficiency"), std::string::npos) << message(r);
  r = Request("tiny", "cpu", 512);
  r.search.documents = 0;
  EXPECT_NE(message(r).find("documents"), std::string::npos) << message(r);
  EXPECT_THROW(DefaultBackendProfile("tpu"), Error);
}

TEST(PlanReport, JsonHoldsThePlansNumbersAndTheTableItsLines) {
  const Plan p = MakePlan(Request("llama3-8b", "cuda", 131072));
  const nlohmann::json j = PlanJson(p);
  EXPECT_EQ(j["target_len"], 131072);
  EXPECT_EQ(j["parameters"], p.parameters);
  EXPECT_DOUBLE_EQ(j["flops"]["forward"]["total"].get<double>(), p.forward.Total());
  EXPECT_DOUBLE_EQ(j["flops"]["train_step_recompute"]["total"].get<double>(),
                   p.train_recompute.Total());
  EXPECT_EQ(j["memory_bytes"]["train_step"]["total"].get<int64_t>(), p.train_memory.Total());
  EXPECT_EQ(j["memory_bytes"]["decode_cache"].get<int64_t>(), p.decode_cache);
  EXPECT_DOUBLE_EQ(j["seconds"]["search"].get<double>(), p.search.wall_s);
  const std::string table = PlanTable(p);
  for (const char* line : {"llama3-8b at T = 131072", "s = 16", "forward", "train step, recompute",
                           "master weights (fp32)", "chunks of 4096 tokens", "whole search on 4",
                           "6.471 PFLOP", "Formulas"}) {
    EXPECT_NE(table.find(line), std::string::npos) << line << "\n" << table;
  }
}

}  // namespace
}  // namespace ropescale::plan
