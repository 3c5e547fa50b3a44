// The backend registry: the CPU backend registers itself (its library is linked whole into
// every binary that links ropescale), and CreateBackend names what is registered.
#include "src/model/backend_registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "src/core/error.h"
#include "tests/model/model_test_util.h"

namespace ropescale {
namespace {

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string CreateError(const std::string& name) {
  try {
    CreateBackend(testing::TinyConfig(), BackendOptions{.name = name});
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(BackendRegistry, CpuIsRegisteredAndCreated) {
  const std::vector<std::string> names = RegisteredBackends();
  EXPECT_TRUE(Contains(names, "cpu"));
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  auto backend = CreateBackend(testing::TinyConfig(), BackendOptions{.name = "cpu"});
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend->Name(), "cpu");
  EXPECT_EQ(CreateBackend(testing::TinyConfig(), {})->Name(), "cpu");  // the default
}

TEST(BackendRegistry, UnknownNameNamesTheRegisteredOnes) {
  const std::string message = CreateError("nope");
  EXPECT_NE(message.find("'nope'"), std::string::npos) << message;
  EXPECT_NE(message.find("registered: "), std::string::npos) << message;
  EXPECT_NE(message.find("cpu"), std::string::npos) << message;
}

TEST(BackendRegistry, CudaWithoutItsBackendSaysSo) {
  if (Contains(RegisteredBackends(), "cuda")) GTEST_SKIP() << "this build has the CUDA backend";
  const std::string message = CreateError("cuda");
  EXPECT_NE(message.find("no CUDA backend"), std::string::npos) << message;
}

TEST(BackendRegistry, ThreadCountsOutsideTheRangeAreRefused) {
  for (int threads : {-1, kMaxBackendThreads + 1, 100000}) {
    try {
      CreateBackend(testing::TinyConfig(), BackendOptions{.name = "cpu", .num_threads = threads});
      FAIL() << threads << " threads accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("num_threads"), std::string::npos) << e.what();
    }
  }
  EXPECT_NE(CreateBackend(testing::TinyConfig(), BackendOptions{.name = "cpu", .num_threads = 1}),
            nullptr);
}

TEST(BackendRegistry, ANameRegistersOnce) {
  EXPECT_THROW(RegisterBackend("cpu",
                               [](const ModelConfig& config, const BackendOptions& options) {
                                 return CreateBackend(config, options);
                               }),
               Error);
  EXPECT_THROW(RegisterBackend("empty-factory", BackendFactory()), Error);
  EXPECT_FALSE(Contains(RegisteredBackends(), "empty-factory"));
}

}  // namespace
}  // namespace ropescale
