#pragma once
// What was built: the project's version and the git commit (with "-modified" when the tree had
// changes; "unknown" outside a git checkout). Written at every build (cmake/build_info.cmake).

namespace regent::core {
extern const char* const kVersion;
extern const char* const kCommit;
}  // namespace regent::core
