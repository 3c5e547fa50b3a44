#pragma once
// Rescale-factor vectors of the classic extensions (PI, NTK, YaRN), as lambda_i =
// original inv_freq_i / extended inv_freq_i computed by the rope library, and the seed
// candidates of each search method built from them.
#include <vector>

#include "src/rope/rope_spec.h"
#include "src/search/search_space.h"

namespace ropescale::search {

// `model_rope` is the model's own RoPE (base, head dim, window L = PretrainingContext);
// kind is kLinear, kNtk or kYarn with factor target_len / L.
std::vector<double> BaselineFactors(const RopeSpec& model_rope, RopeKind kind, int target_len);

// longrope: PI, NTK and YaRN factors snapped into the space. longrope2: NTK factors split at
// the critical index (the space clamps them: [1, s+5] below, [s, S_max] from it on), then YaRN
// and PI snapped the same way. Duplicates are dropped. n_hat = 0 for all.
std::vector<Candidate> SeedCandidates(const SearchSpace& space, const RopeSpec& model_rope,
                                      int target_len);

}  // namespace ropescale::search
