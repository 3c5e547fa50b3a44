// LoadModelConfig reads a model's config without its weights: an .h5's /config and /rope, a
// HF folder's config.json (weights may be absent: a plan comes before the download).
#include <gtest/gtest.h>

#include <filesystem>

#include "io/checkpoint.h"
#include "io/hf_model.h"
#include "io/model_loader.h"
#include "tests/io/io_test_util.h"

namespace ropescale {
namespace {

using testing::ExpectErrorWith;
using testing::TempDir;

TEST(LoadModelConfig, CheckpointGivesTheConfigLoadModelGives) {
  TempDir dir;
  Checkpoint checkpoint;
  checkpoint.config = testing::TinyConfig();
  checkpoint.weights = testing::RandomWeights(checkpoint.config, 4);
  WriteCheckpoint(dir / "model.h5", checkpoint);
  EXPECT_EQ(LoadModelConfig(dir / "model.h5"), LoadModel(dir / "model.h5").config);
  EXPECT_EQ(LoadModelConfig(dir / "model.h5"), checkpoint.config);
}

TEST(LoadModelConfig, HfFolderNeedsOnlyConfigJson) {
  TempDir dir;
  WriteHfModel(dir / "hf", testing::MakeHfCheckpoint("F32"));
  const ModelConfig with_weights = LoadModelConfig(dir / "hf");
  EXPECT_EQ(with_weights, LoadModel(dir / "hf").config);
  // Without the safetensors: the model cannot be loaded, its config can.
  std::filesystem::remove(dir / "hf/model.safetensors");
  EXPECT_THROW(LoadModel(dir / "hf"), Error);
  EXPECT_EQ(LoadModelConfig(dir / "hf"), with_weights);
  EXPECT_EQ(LoadModelConfig(dir / "hf/config.json"), with_weights);
}

TEST(LoadModelConfig, MissingOrBrokenFilesNameThePath) {
  TempDir dir;
  ExpectErrorWith([&] { LoadModelConfig(dir / "absent.h5"); },
                  {dir / "absent.h5", "no such file or folder"});
  std::filesystem::create_directories(dir / "empty");
  ExpectErrorWith([&] { LoadModelConfig(dir / "empty"); }, {"config.json", "cannot open"});
}

}  // namespace
}  // namespace ropescale
