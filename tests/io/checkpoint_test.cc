// HDF5 checkpoint: round trip of every field, atomic writes, and clear errors on bad files.
#include "io/checkpoint.h"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "tests/io/io_test_util.h"

namespace ropescale {
namespace {

using testing::ExpectErrorWith;
using testing::TempDir;

Checkpoint MakeCheckpoint(bool with_training) {
  Checkpoint checkpoint;
  checkpoint.config = testing::TinyConfig();
  checkpoint.weights = testing::RandomWeights(checkpoint.config, 11);
  checkpoint.weight_dtypes["model.norm.weight"] = "BF16";
  checkpoint.weight_dtypes["lm_head.weight"] = "F16";
  checkpoint.provenance = {"ropescale pretrain --steps 3", "0.1.0", "abc123",
                           "2026-11-23T21:00:00Z"};
  if (with_training) {
    TrainingState training;
    training.optimizer.step = 1234;
    training.optimizer.m = testing::RandomWeights(checkpoint.config, 12);
    training.optimizer.v = testing::RandomWeights(checkpoint.config, 13);
    training.rng_state = {7, std::numeric_limits<uint64_t>::max(), 0};
    training.data_cursor = 987654321012LL;
    training.tokens_seen = 5'000'000'000LL;
    checkpoint.training = training;
  }
  return checkpoint;
}

void ExpectSameCheckpoint(const Checkpoint& a, const Checkpoint& b) {
  EXPECT_EQ(a.config, b.config);
  EXPECT_EQ(a.weights, b.weights);
  EXPECT_EQ(a.weight_dtypes, b.weight_dtypes);
  EXPECT_EQ(a.provenance.command_line, b.provenance.command_line);
  EXPECT_EQ(a.provenance.version, b.provenance.version);
  EXPECT_EQ(a.provenance.git_hash, b.provenance.git_hash);
  EXPECT_EQ(a.provenance.time_utc, b.provenance.time_utc);
  ASSERT_EQ(a.training.has_value(), b.training.has_value());
  if (a.training) {
    EXPECT_EQ(a.training->optimizer.step, b.training->optimizer.step);
    EXPECT_EQ(a.training->optimizer.m, b.training->optimizer.m);
    EXPECT_EQ(a.training->optimizer.v, b.training->optimizer.v);
    EXPECT_EQ(a.training->rng_state, b.training->rng_state);
    EXPECT_EQ(a.training->data_cursor, b.training->data_cursor);
    EXPECT_EQ(a.training->tokens_seen, b.training->tokens_seen);
  }
}

bool HasTemporaryFiles(const TempDir& dir) {
  for (const auto& item : std::filesystem::directory_iterator(dir.path())) {
    if (item.path().filename().string().find(".tmp-") != std::string::npos) return true;
  }
  return false;
}

TEST(CheckpointTest, RoundTripWithoutTrainingState) {
  TempDir dir;
  const Checkpoint written = MakeCheckpoint(false);
  WriteCheckpoint(dir / "model.h5", written);
  ExpectSameCheckpoint(written, ReadCheckpoint(dir / "model.h5"));
}

TEST(CheckpointTest, RoundTripWithTrainingState) {
  TempDir dir;
  const Checkpoint written = MakeCheckpoint(true);
  WriteCheckpoint(dir / "model.h5", written);
  ExpectSameCheckpoint(written, ReadCheckpoint(dir / "model.h5"));
  EXPECT_FALSE(ReadCheckpoint(dir / "model.h5", /*with_training_state=*/false).training);
}

TEST(CheckpointTest, RoundTripOtherRopeKindsAndTiedEmbeddings) {
  TempDir dir;
  Checkpoint checkpoint = MakeCheckpoint(false);
  RopeSpec yarn;
  yarn.kind = RopeKind::kYarn;
  yarn.head_dim = 8;
  yarn.factor = 4.0;
  yarn.max_position_embeddings = 128;
  yarn.original_max_position_embeddings = 32;
  yarn.beta_fast = 16.0;
  yarn.beta_slow = 2.0;
  yarn.mscale = 0.707;
  yarn.mscale_all_dim = 1.0;
  yarn.truncate = false;
  checkpoint.config.rope = yarn;
  checkpoint.config.tie_word_embeddings = true;
  checkpoint.config.bos_token_id = -1;
  checkpoint.weights = testing::RandomWeights(checkpoint.config, 5);
  checkpoint.weight_dtypes.clear();
  WriteCheckpoint(dir / "yarn.h5", checkpoint);
  ExpectSameCheckpoint(checkpoint, ReadCheckpoint(dir / "yarn.h5"));
}

TEST(CheckpointTest, RoundTripFrequencyScaleOnlyWhenSet) {
  TempDir dir;
  Checkpoint checkpoint = MakeCheckpoint(false);
  WriteCheckpoint(dir / "plain.h5", checkpoint);
  // Without the field the dataset is not written (older checkpoints keep their layout).
  {
    const hid_t file = H5Fopen((dir / "plain.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    EXPECT_EQ(H5Lexists(file, "/rope/frequency_scale", H5P_DEFAULT), 0);
    H5Fclose(file);
  }
  EXPECT_TRUE(ReadCheckpoint(dir / "plain.h5").config.rope.frequency_scale.empty());
  checkpoint.config.rope.frequency_scale.assign(checkpoint.config.rope.rotary_dim() / 2, 1.0);
  checkpoint.config.rope.frequency_scale.back() = 1.375;
  WriteCheckpoint(dir / "scaled.h5", checkpoint);
  ExpectSameCheckpoint(checkpoint, ReadCheckpoint(dir / "scaled.h5"));
}

TEST(CheckpointTest, FailedWriteLeavesNoFileAndKeepsTheOldOne) {
  TempDir dir;
  const Checkpoint good = MakeCheckpoint(false);
  WriteCheckpoint(dir / "model.h5", good);

  Checkpoint bad = MakeCheckpoint(true);
  bad.weights["model.norm.weight"].data.pop_back();  // fails in the middle of the write
  ExpectErrorWith([&] { WriteCheckpoint(dir / "model.h5", bad); },
                  {"model.h5", "model.norm.weight"});
  EXPECT_FALSE(HasTemporaryFiles(dir));
  ExpectSameCheckpoint(good, ReadCheckpoint(dir / "model.h5"));

  ExpectErrorWith([&] { WriteCheckpoint(dir / "fresh.h5", bad); }, {"fresh.h5"});
  EXPECT_FALSE(std::filesystem::exists(dir / "fresh.h5"));
  EXPECT_FALSE(HasTemporaryFiles(dir));
}

TEST(CheckpointTest, WrongWeightShapeIsRefusedOnWrite) {
  TempDir dir;
  Checkpoint bad = MakeCheckpoint(false);
  bad.weights["model.layers.1.mlp.up_proj.weight"] = Tensor({3, 3});
  ExpectErrorWith([&] { WriteCheckpoint(dir / "m.h5", bad); },
                  {"m.h5", "model.layers.1.mlp.up_proj.weight", "shape"});
  EXPECT_FALSE(std::filesystem::exists(dir / "m.h5"));
}

TEST(CheckpointTest, UnwritableFolderIsAnError) {
  TempDir dir;
  ExpectErrorWith([&] { WriteCheckpoint(dir / "no/such/dir/m.h5", MakeCheckpoint(false)); },
                  {"no/such/dir/m.h5"});
}

TEST(CheckpointTest, MissingFileIsAnError) {
  TempDir dir;
  ExpectErrorWith([&] { ReadCheckpoint(dir / "absent.h5"); }, {"absent.h5"});
}

TEST(CheckpointTest, GarbageBytesAreNotAnHdf5File) {
  TempDir dir;
  std::ofstream(dir / "garbage.h5") << std::string(4096, 'x');
  ExpectErrorWith([&] { ReadCheckpoint(dir / "garbage.h5"); }, {"garbage.h5", "not an HDF5"});
}

TEST(CheckpointTest, TruncatedFileIsAnError) {
  TempDir dir;
  WriteCheckpoint(dir / "model.h5", MakeCheckpoint(true));
  const auto size = std::filesystem::file_size(dir / "model.h5");
  for (const auto keep : {size / 2, size - 100}) {
    std::filesystem::copy_file(dir / "model.h5", dir / "cut.h5",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(dir / "cut.h5", keep);
    ExpectErrorWith([&] { ReadCheckpoint(dir / "cut.h5"); }, {"cut.h5"});
  }
}

// Flips one bit in the middle of `tensor`'s bytes inside the file at `path`.
void FlipInsideTensor(const std::filesystem::path& path, const Tensor& tensor) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string needle(reinterpret_cast<const char*>(tensor.data.data()),
                           tensor.data.size() * sizeof(float));
  const size_t at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos) << "tensor bytes not found in " << path;
  ASSERT_EQ(bytes.find(needle, at + 1), std::string::npos) << "tensor bytes found twice";
  bytes[at + needle.size() / 2] ^= 0x01;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

TEST(CheckpointTest, FlippedWeightBitIsRefusedNamingTheTensor) {
  TempDir dir;
  const Checkpoint written = MakeCheckpoint(true);
  WriteCheckpoint(dir / "model.h5", written);
  FlipInsideTensor(dir / "model.h5", written.weights.at("model.layers.0.mlp.up_proj.weight"));
  ExpectErrorWith([&] { ReadCheckpoint(dir / "model.h5"); },
                  {"model.h5", "/weights/model.layers.0.mlp.up_proj.weight", "sha256"});
}

TEST(CheckpointTest, FlippedMomentBitIsRefusedNamingTheTensor) {
  TempDir dir;
  const Checkpoint written = MakeCheckpoint(true);
  WriteCheckpoint(dir / "model.h5", written);
  FlipInsideTensor(dir / "model.h5", written.training->optimizer.v.at("model.norm.weight"));
  ExpectErrorWith([&] { ReadCheckpoint(dir / "model.h5"); },
                  {"model.h5", "/training/v/model.norm.weight", "sha256"});
  // Without the training state the weights alone still load.
  EXPECT_EQ(ReadCheckpoint(dir / "model.h5", /*with_training_state=*/false).weights,
            written.weights);
}

TEST(CheckpointTest, CheckpointWithoutChecksumsStillLoads) {
  TempDir dir;
  const Checkpoint written = MakeCheckpoint(false);
  WriteCheckpoint(dir / "model.h5", written);
  {
    const hid_t file = H5Fopen((dir / "model.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    for (const auto& [name, tensor] : written.weights) {
      const hid_t dataset = H5Dopen2(file, ("/weights/" + name).c_str(), H5P_DEFAULT);
      ASSERT_GE(dataset, 0);
      ASSERT_GE(H5Adelete(dataset, "sha256"), 0) << name;
      H5Dclose(dataset);
    }
    H5Fclose(file);
  }
  ExpectSameCheckpoint(written, ReadCheckpoint(dir / "model.h5"));
}

// Opens a written checkpoint read-write with the plain C API to damage it.
class DamagedCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteCheckpoint(path_, MakeCheckpoint(false));
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    file_ = H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file_, 0);
  }
  void TearDown() override {
    if (file_ >= 0) H5Fclose(file_);
  }
  void Close() {
    H5Fclose(file_);
    file_ = -1;
  }
  void WriteDataset(const char* name, hid_t type, std::vector<hsize_t> dims) {
    hsize_t count = 1;
    for (hsize_t d : dims) count *= d;
    std::vector<double> zeros(count, 0.0);
    const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t dataset =
        H5Dcreate2(file_, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(dataset, 0);
    H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data());
    H5Dclose(dataset);
    H5Sclose(space);
  }

  TempDir dir_;
  std::string path_ = dir_ / "model.h5";
  hid_t file_ = -1;
};

TEST_F(DamagedCheckpointTest, MissingWeightDataset) {
  ASSERT_GE(H5Ldelete(file_, "/weights/model.layers.0.self_attn.k_proj.weight", H5P_DEFAULT), 0);
  Close();
  ExpectErrorWith([&] { ReadCheckpoint(path_); },
                  {path_, "/weights/model.layers.0.self_attn.k_proj.weight", "missing"});
}

TEST_F(DamagedCheckpointTest, WrongWeightShape) {
  ASSERT_GE(H5Ldelete(file_, "/weights/model.norm.weight", H5P_DEFAULT), 0);
  WriteDataset("/weights/model.norm.weight", H5T_IEEE_F32LE, {17});
  Close();
  ExpectErrorWith([&] { ReadCheckpoint(path_); }, {path_, "model.norm.weight", "shape"});
}

TEST_F(DamagedCheckpointTest, WrongWeightDtype) {
  ASSERT_GE(H5Ldelete(file_, "/weights/model.norm.weight", H5P_DEFAULT), 0);
  WriteDataset("/weights/model.norm.weight", H5T_IEEE_F64LE, {16});
  Close();
  ExpectErrorWith([&] { ReadCheckpoint(path_); },
                  {path_, "/weights/model.norm.weight", "float64", "float32"});
}

TEST_F(DamagedCheckpointTest, UnexpectedWeight) {
  WriteDataset("/weights/model.layers.9.extra.weight", H5T_IEEE_F32LE, {4});
  Close();
  ExpectErrorWith([&] { ReadCheckpoint(path_); }, {path_, "model.layers.9.extra.weight"});
}

TEST_F(DamagedCheckpointTest, MissingConfigAttribute) {
  ASSERT_GE(H5Adelete_by_name(file_, "/config", "hidden_size", H5P_DEFAULT), 0);
  Close();
  ExpectErrorWith([&] { ReadCheckpoint(path_); }, {path_, "/config", "hidden_size", "missing"});
}

TEST_F(DamagedCheckpointTest, MissingRopeFactors) {
  ASSERT_GE(H5Ldelete(file_, "/rope/long_factor", H5P_DEFAULT), 0);
  Close();
  ExpectErrorWith([&] { ReadCheckpoint(path_); }, {path_, "/rope/long_factor"});
}

TEST_F(DamagedCheckpointTest, WrongFormatName) {
  ASSERT_GE(H5Adelete(file_, "format"), 0);
  Close();
  ExpectErrorWith([&] { ReadCheckpoint(path_); }, {path_, "format"});
}

}  // namespace
}  // namespace ropescale
