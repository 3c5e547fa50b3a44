// The only file of ropescale::search that uses MPI.
#include "src/search/distribution.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <mpi.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "src/core/error.h"

namespace ropescale::search {
namespace {

bool MpiActive() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

// Environment variables that mpirun (Open MPI, MPICH/Hydra) or srun --mpi=pmix|pmi2 set in each
// rank (not plain Slurm variables: a batch script running one process is no MPI job).
bool StartedByLauncher() {
  for (const char* name :
       {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

void CheckMpi(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  Fail("MPI: {} failed on rank {}: {}", what, WorldRank(), std::string(text, length));
}

}  // namespace

DistributedSession::DistributedSession() {
  if (MpiActive() || !StartedByLauncher()) return;
  CheckMpi(MPI_Init(nullptr, nullptr), "MPI_Init");
  finalize_ = true;
}

DistributedSession::~DistributedSession() {
  if (finalize_ && MpiActive()) MPI_Finalize();
}

int WorldRank() {
  if (!MpiActive()) return 0;
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int WorldSize() {
  if (!MpiActive()) return 1;
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

int LocalRank() {
  if (!MpiActive()) return 0;
  MPI_Comm node;
  CheckMpi(
      MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, WorldRank(), MPI_INFO_NULL, &node),
      "MPI_Comm_split_type");
  int rank = 0;
  MPI_Comm_rank(node, &rank);
  MPI_Comm_free(&node);
  return rank;
}

void Barrier() {
  if (MpiActive()) CheckMpi(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
}

bool BroadcastFlag(bool flag) {
  if (!MpiActive()) return flag;
  int value = flag ? 1 : 0;
  CheckMpi(MPI_Bcast(&value, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
  return value != 0;
}

std::vector<LossSums> DistributeTasks(int num_tasks, const std::function<LossSums(int)>& score) {
  std::vector<LossSums> results(num_tasks);
  const int size = WorldSize();
  if (size == 1) {
    for (int task = 0; task < num_tasks; ++task) results[task] = score(task);
    return results;
  }
  const int rank = WorldRank();

  // The task counter: one int64 on rank 0. MPI_Win_allocate lets ranks on one node use
  // shared-memory atomics (no progress needed from rank 0 while it computes).
  int64_t* counter = nullptr;
  MPI_Win window;
  CheckMpi(MPI_Win_allocate(rank == 0 ? sizeof(int64_t) : 0, sizeof(int64_t), MPI_INFO_NULL,
                            MPI_COMM_WORLD, &counter, &window),
           "MPI_Win_allocate");
  if (rank == 0) {
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, window);
    *counter = 0;
    MPI_Win_unlock(0, window);
  }
  CheckMpi(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");

  std::vector<int64_t> my_tasks;
  std::vector<double> my_sums;  // (weighted_loss, weight) per task
  CheckMpi(MPI_Win_lock_all(0, window), "MPI_Win_lock_all");
  const int64_t one = 1;
  for (;;) {
    int64_t task = 0;
    CheckMpi(MPI_Fetch_and_op(&one, &task, MPI_INT64_T, 0, 0, MPI_SUM, window), "MPI_Fetch_and_op");
    CheckMpi(MPI_Win_flush(0, window), "MPI_Win_flush");
    if (task >= num_tasks) break;
    const LossSums sums = score(static_cast<int>(task));
    my_tasks.push_back(task);
    my_sums.push_back(sums.weighted_loss);
    my_sums.push_back(sums.weight);
  }
  CheckMpi(MPI_Win_unlock_all(window), "MPI_Win_unlock_all");
  CheckMpi(MPI_Win_free(&window), "MPI_Win_free");

  // Gather (task id, sums) on rank 0, place them by task id, broadcast the table.
  int my_count = static_cast<int>(my_tasks.size());
  std::vector<int> counts(size), offsets(size);
  CheckMpi(MPI_Gather(&my_count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD),
           "MPI_Gather");
  std::vector<int64_t> all_tasks;
  std::vector<double> all_sums;
  std::vector<int> sum_counts(size), sum_offsets(size);
  if (rank == 0) {
    int total = 0;
    for (int r = 0; r < size; ++r) {
      offsets[r] = total;
      sum_offsets[r] = 2 * total;
      sum_counts[r] = 2 * counts[r];
      total += counts[r];
    }
    Check(total == num_tasks, "search: {} results gathered for {} tasks", total, num_tasks);
    // Load balance: how many tasks each rank took (dynamic assignment).
    spdlog::debug("search: tasks per rank: {}", fmt::join(counts, " "));
    all_tasks.resize(total);
    all_sums.resize(2 * static_cast<size_t>(total));
  }
  CheckMpi(MPI_Gatherv(my_tasks.data(), my_count, MPI_INT64_T, all_tasks.data(), counts.data(),
                       offsets.data(), MPI_INT64_T, 0, MPI_COMM_WORLD),
           "MPI_Gatherv");
  CheckMpi(MPI_Gatherv(my_sums.data(), 2 * my_count, MPI_DOUBLE, all_sums.data(), sum_counts.data(),
                       sum_offsets.data(), MPI_DOUBLE, 0, MPI_COMM_WORLD),
           "MPI_Gatherv");
  std::vector<double> table(2 * static_cast<size_t>(num_tasks));
  if (rank == 0) {
    std::vector<char> seen(num_tasks, 0);
    for (size_t k = 0; k < all_tasks.size(); ++k) {
      const int64_t task = all_tasks[k];
      Check(task >= 0 && task < num_tasks && !seen[task], "search: task {} scored twice", task);
      seen[task] = 1;
      table[2 * task] = all_sums[2 * k];
      table[2 * task + 1] = all_sums[2 * k + 1];
    }
  }
  CheckMpi(MPI_Bcast(table.data(), static_cast<int>(table.size()), MPI_DOUBLE, 0, MPI_COMM_WORLD),
           "MPI_Bcast");
  for (int task = 0; task < num_tasks; ++task) {
    results[task] = LossSums{table[2 * task], table[2 * task + 1]};
  }
  return results;
}

void RunOrAbortJob(const std::function<void()>& body) {
  try {
    body();
  } catch (const std::exception& e) {
    const int size = WorldSize();
    if (size <= 1) throw;
    std::fprintf(stderr, "ropescale: error on rank %d of %d: %s\n", WorldRank(), size, e.what());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
}

}  // namespace ropescale::search
