#pragma once
// Atomic-ish folder replacement for outputs that are folders (Hugging Face exports): the new
// content is written to FOLDER.tmp-<pid> beside FOLDER; only when it is complete is the old
// FOLDER renamed to FOLDER.old-<pid>, the new one renamed in, and the old one removed. An error
// or a kill while writing leaves the old FOLDER untouched (and at worst a stray .tmp-<pid>); a
// kill between the two renames leaves both complete folders beside the path, never a partial one.
// Files of the old folder that the writer did not produce and `keep` accepts are carried over
// (hard-linked, or copied), so a user's README or generation_config.json survives a re-export.
#include <functional>
#include <string>

namespace ropescale {

void WriteFolderAtomically(const std::string& folder,
                           const std::function<void(const std::string& staging)>& write,
                           const std::function<bool(const std::string& file_name)>& keep);

}  // namespace ropescale
