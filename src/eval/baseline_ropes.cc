#include "src/eval/baseline_ropes.h"

#include <algorithm>
#include <string>

#include "src/core/comma_list.h"
#include "src/core/error.h"
#include "src/rope/rope_spec.h"

namespace ropescale {

std::string_view BaselineRopeName(BaselineRope baseline) {
  switch (baseline) {
    case BaselineRope::kModel:
      return "model";
    case BaselineRope::kOriginal:
      return "original";
    case BaselineRope::kPi:
      return "pi";
    case BaselineRope::kNtk:
      return "ntk";
    case BaselineRope::kYarn:
      return "yarn";
  }
  return "?";
}

BaselineRope ParseBaselineRope(std::string_view name, std::string_view field) {
  for (BaselineRope baseline : {BaselineRope::kModel, BaselineRope::kOriginal, BaselineRope::kPi,
                                BaselineRope::kNtk, BaselineRope::kYarn}) {
    if (name == BaselineRopeName(baseline)) return baseline;
  }
  Fail("{}: unknown RoPE '{}' (expected model, original, pi, ntk or yarn)", field, name);
}

std::vector<BaselineRope> ParseBaselineRopeList(std::string_view names, std::string_view field) {
  std::vector<BaselineRope> list;
  for (const std::string& name : SplitCommaList(names)) {
    const BaselineRope baseline = ParseBaselineRope(name, field);
    Check(std::find(list.begin(), list.end(), baseline) == list.end(), "{}: '{}' twice", field,
          name);
    list.push_back(baseline);
  }
  return list;
}

int PretrainingContext(const RopeSpec& model_rope) {
  return model_rope.original_max_position_embeddings > 0
             ? model_rope.original_max_position_embeddings
             : model_rope.max_position_embeddings;
}

RopeSpec OriginalRope(const RopeSpec& model_rope) {
  if (!IsLongRope(model_rope.kind)) return model_rope;
  RopeSpec original;
  original.base = model_rope.base;
  original.head_dim = model_rope.head_dim;
  original.partial_rotary_factor = model_rope.partial_rotary_factor;
  original.max_position_embeddings = PretrainingContext(model_rope);
  return original;
}

RopeSpec MakeBaselineRope(const RopeSpec& model_rope, BaselineRope baseline, int target_length) {
  if (baseline == BaselineRope::kModel) return model_rope;
  if (baseline == BaselineRope::kOriginal) return OriginalRope(model_rope);
  const int context = PretrainingContext(model_rope);
  Check(context > 0,
        "baseline RoPE {}: the model's RoPE has no context length "
        "(max_position_embeddings)",
        BaselineRopeName(baseline));
  Check(target_length > 0, "baseline RoPE {}: target length {} <= 0", BaselineRopeName(baseline),
        target_length);
  RopeSpec spec;
  spec.base = model_rope.base;
  spec.head_dim = model_rope.head_dim;
  spec.partial_rotary_factor = model_rope.partial_rotary_factor;
  spec.max_position_embeddings = target_length;
  spec.original_max_position_embeddings = context;
  spec.factor = std::max(1.0, static_cast<double>(target_length) / context);
  switch (baseline) {
    case BaselineRope::kPi:
      spec.kind = RopeKind::kLinear;
      break;
    case BaselineRope::kNtk:
      spec.kind = RopeKind::kNtk;
      break;
    case BaselineRope::kYarn:
      spec.kind = RopeKind::kYarn;
      break;
    case BaselineRope::kModel:
    case BaselineRope::kOriginal:
      break;
  }
  return spec;
}

}  // namespace ropescale
