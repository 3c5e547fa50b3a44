#pragma once
// Atomic file replacement, the one mechanism behind every output ropescale writes (checkpoints,
// safetensors, config.json, search logs, factor files): the content goes to PATH.tmp-<pid>, is
// synced to disk, then renamed over PATH. A crash or an error never leaves a half-written PATH
// and never clobbers a good old one; on error the temporary is removed and the Error propagates.
#include <functional>
#include <string>
#include <string_view>

namespace ropescale {

// `write` creates and fills the file named by its argument (the temporary path).
void WriteAtomically(const std::string& path,
                     const std::function<void(const std::string& temporary)>& write);

// WriteAtomically for a byte string.
void WriteTextAtomically(const std::string& path, std::string_view text);

}  // namespace ropescale
