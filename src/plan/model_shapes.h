#pragma once
// Named model shapes, so an allocation can be planned before any weights are downloaded:
// "llama3-8b" (Meta-Llama-3-8B), "phi3-mini" (Phi-3-mini-4k-instruct) and "tiny" (the embedded
// data/tiny-llama.h5). Only the shape and the RoPE's base and context: no weights, no tokens.
#include <string>
#include <string_view>
#include <vector>

#include "src/model/model_config.h"

namespace ropescale::plan {

// The names NamedModelShape knows, in a fixed order.
std::vector<std::string> NamedModelShapes();

// The shape called `name`; throws Error listing the known names otherwise.
ModelConfig NamedModelShape(std::string_view name);

}  // namespace ropescale::plan
