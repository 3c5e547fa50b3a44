#include "src/search/search_runner.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "src/core/error.h"
#include "src/core/log.h"
#include "src/eval/distributed_tasks.h"
#include "src/search/fitness.h"

namespace ropescale::search {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Scores the members not evaluated yet: one task per (member, document).
void Evaluate(dist::Communicator& comm, const Scorer& scorer, int num_documents,
              std::vector<Member>& members) {
  std::vector<int> pending;
  for (int i = 0; i < static_cast<int>(members.size()); ++i) {
    if (members[i].evaluated_here) pending.push_back(i);
  }
  const int tasks = static_cast<int>(pending.size()) * num_documents;
  const auto score = [&](int task) {
    return scorer(members[pending[task / num_documents]].candidate, task % num_documents);
  };
  const std::vector<LossSums> sums = DistributeTasks(comm, tasks, score);
  for (size_t k = 0; k < pending.size(); ++k) {
    Member& member = members[pending[k]];
    const LossSums* mine = sums.data() + k * num_documents;
    member.document_loss.resize(num_documents);
    member.document_weight.resize(num_documents);
    for (int d = 0; d < num_documents; ++d) {
      member.document_loss[d] = mine[d].weighted_loss;
      member.document_weight[d] = mine[d].weight;
    }
    member.fitness = FitnessFromSums(mine, num_documents);
  }
}

double Median(std::vector<double> values) {
  std::erase_if(values, [](double v) { return std::isnan(v); });
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

void Save(const dist::Communicator& comm, const SearchRunSettings& settings, const SearchLog& log) {
  if (!settings.log_path.empty() && comm.IsRoot()) SaveSearchLog(settings.log_path, log);
}

void CheckResumable(const SearchRunSettings& settings, const SearchLog& stored) {
  const std::string& path = settings.log_path;
  Check(stored.header.settings_json == settings.header.settings_json,
        "{}: settings_json differs from this run's settings (a log of another search?)\n"
        "  log:  {}\n  this: {}",
        path, stored.header.settings_json, settings.header.settings_json);
  Check(stored.header.model_hash == settings.header.model_hash,
        "{}: model_hash {} differs from the model's {}", path, stored.header.model_hash,
        settings.header.model_hash);
  Check(stored.header.documents == settings.header.documents,
        "{}: /documents differ from the documents this run built", path);
  Check(!stored.generations.empty(), "{}: no complete generation to resume from", path);
  // Every stored candidate must lie in this search's space: a damaged or edited log would
  // otherwise resume into a population that yields no candidates.
  for (const GenerationRecord& record : stored.generations) {
    for (size_t i = 0; i < record.members.size(); ++i) {
      const Candidate& candidate = record.members[i].candidate;
      Check(settings.space.IsValid(candidate),
            "{}: generation {} member {}: grid [{}] n_hat {} lies outside this search's space "
            "(a damaged or edited log?)",
            path, record.generation, i, fmt::join(candidate.grid, ","), candidate.n_hat);
    }
  }
}

void ReportProgress(const GenerationRecord& record, int generations, int evaluated, double seconds,
                    double total_seconds, int generations_done_here) {
  std::vector<double> fitness;
  for (const Member& m : record.members) fitness.push_back(m.fitness);
  double best = INFINITY;
  for (double f : fitness) {
    if (!std::isnan(f)) best = std::min(best, f);
  }
  const double rate = seconds > 0 ? evaluated / seconds : 0.0;
  const int remaining = generations - static_cast<int>(record.generation);
  const double eta =
      generations_done_here > 0 ? total_seconds / generations_done_here * remaining : 0.0;
  spdlog::info(
      "search: generation {}/{}: best {:.6f} median {:.6f}, {} candidates in {:.2f} s "
      "({:.2f}/s), ETA {:.0f} s",
      record.generation, generations, best, Median(fitness), evaluated, seconds, rate, eta);
}

}  // namespace

SearchOutcome RunSearch(dist::Communicator& comm, const SearchRunSettings& settings,
                        const std::vector<Candidate>& seeds, const Scorer& scorer) {
  ValidateEvolutionParams(settings.evolution);
  Check(settings.generations >= 0, "--generations must be >= 0");
  const int num_documents = static_cast<int>(settings.header.documents.size());
  Check(num_documents >= 1, "search: no evaluation documents");

  SearchOutcome outcome;
  SearchLog& log = outcome.log;
  log.header = settings.header;
  History history;
  std::vector<Member> population;
  const auto run_start = Clock::now();
  int done_here = 0;

  // Rank 0 decides, so all ranks take the same path (a rank that cannot see the log fails
  // loudly below instead of starting a different search).
  bool resuming =
      settings.resume && !settings.log_path.empty() && std::filesystem::exists(settings.log_path);
  resuming = comm.BroadcastFlag(resuming);
  if (resuming) {
    // Every rank reads the log (read-only) before rank 0 rewrites it.
    SearchLog stored = LoadSearchLog(settings.log_path, settings.space.num_factors);
    comm.Barrier();
    CheckResumable(settings, stored);
    log.generations = std::move(stored.generations);
    for (const GenerationRecord& record : log.generations) {
      for (const Member& m : record.members) history.insert(m.candidate);
    }
    population = log.generations.back().members;
    if (comm.IsRoot()) {
      spdlog::info("search: resuming {} after generation {}", settings.log_path,
                   log.generations.back().generation);
    }
  } else {
    const auto start = Clock::now();
    population =
        InitialPopulation(settings.space, settings.evolution, seeds, settings.seed, history);
    Evaluate(comm, scorer, num_documents, population);
    GenerationRecord record{0, settings.seed, Seconds(start), population};
    log.generations.push_back(record);
    Save(comm, settings, log);
    ++done_here;
    if (comm.IsRoot()) {
      ReportProgress(record, settings.generations, static_cast<int>(population.size()),
                     record.wall_time_s, Seconds(run_start), done_here);
    }
  }

  for (int64_t g = log.generations.back().generation + 1; g <= settings.generations; ++g) {
    if (settings.stop_after_generation >= 0 &&
        log.generations.back().generation >= settings.stop_after_generation) {
      break;
    }
    const auto start = Clock::now();
    const std::vector<Member> parents = SelectParents(population, settings.evolution);
    population = NextGeneration(settings.space, settings.evolution, parents, settings.seed,
                                static_cast<int>(g), history);
    Evaluate(comm, scorer, num_documents, population);
    GenerationRecord record{g, settings.seed, Seconds(start), population};
    log.generations.push_back(record);
    Save(comm, settings, log);
    ++done_here;
    if (comm.IsRoot()) {
      const int evaluated = static_cast<int>(std::count_if(
          population.begin(), population.end(), [](const Member& m) { return m.evaluated_here; }));
      ReportProgress(record, settings.generations, evaluated, record.wall_time_s,
                     Seconds(run_start), done_here);
    }
  }

  outcome.last_generation = log.generations.back().generation;
  outcome.stopped_early = outcome.last_generation < settings.generations;
  EvolutionParams best_only = settings.evolution;
  best_only.parents = 1;
  outcome.best = SelectParents(population, best_only).front();
  return outcome;
}

}  // namespace ropescale::search
