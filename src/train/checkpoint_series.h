#pragma once
// The checkpoints of a training run: PATH always holds the newest (written atomically: a kill
// during the write leaves the previous one), and the last `keep` periodic ones stay next to it as
// PATH-STEM.stepNNNNNNNN.h5 (hard links to the files PATH held, so keeping them costs no copy).
#include <cstdint>
#include <string>

#include "io/checkpoint.h"

namespace ropescale {

// The checkpoint a run resumes from (weights and training state): Error naming `path` when it
// does not exist or holds no training state.
Checkpoint ReadResumeCheckpoint(const std::string& path);

// "run/model.h5", 120 -> "run/model.step00000120.h5".
std::string SnapshotPath(const std::string& path, int64_t step);

// True when `candidate` names a snapshot of `path` (same folder, PATH-STEM.stepN.EXT): such a
// file may be overwritten or removed by a run writing `path`, so it must not be its input.
bool IsSnapshotOf(const std::string& candidate, const std::string& path);

// Writes `checkpoint` to `path`; with keep > 0 also links it as SnapshotPath(path, step),
// removes the snapshots of `path` with a later step (another history) and the older ones
// beyond the newest `keep`.
void WriteTrainingCheckpoint(const std::string& path, const Checkpoint& checkpoint, int64_t step,
                             int keep);

}  // namespace ropescale
