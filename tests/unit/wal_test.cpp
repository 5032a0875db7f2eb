#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "events/wal.hpp"

using namespace regent::events;
namespace fs = std::filesystem;

namespace {
struct TempFile {
  fs::path path = fs::temp_directory_path() / ("regent-wal-" + std::to_string(getpid()) + "-" +
                                                std::to_string(reinterpret_cast<uintptr_t>(this)));
  ~TempFile() { fs::remove(path); }
};
Record rec(std::string v) { return Record{"key", std::move(v), {{"ce_type", "t"}}}; }
}  // namespace

TEST_CASE("batches come back in order, with keys, values and headers") {
  TempFile f;
  {
    Wal w(f.path.string());
    w.write_batch(2, {rec("a"), rec("b")});
    w.write_batch(0, {rec("c")});
  }
  Wal w(f.path.string());
  auto batches = w.load();
  REQUIRE(batches.size() == 2);
  CHECK(batches[0].partition == 2);
  CHECK(batches[0].records.size() == 2);
  CHECK(batches[0].records[1].value == "b");
  CHECK(batches[0].records[0].headers.at(0).second == "t");
  CHECK(batches[1].partition == 0);
  CHECK(batches[1].records[0].value == "c");
}

TEST_CASE("cancelled records are left out of replay") {
  TempFile f;
  {
    Wal w(f.path.string());
    auto seq = w.write_batch(1, {rec("a"), rec("b"), rec("c")});
    w.cancel(seq, {1, 2});
  }
  Wal w(f.path.string());
  auto batches = w.load();
  REQUIRE(batches.size() == 1);
  REQUIRE(batches[0].records.size() == 1);
  CHECK(batches[0].records[0].value == "a");
}

TEST_CASE("a torn write at the end is cut off and writing goes on after it") {
  TempFile f;
  {
    Wal w(f.path.string());
    w.write_batch(0, {rec("kept")});
    w.write_batch(0, {rec("torn")});
  }
  auto size = fs::file_size(f.path);
  fs::resize_file(f.path, size - 3);
  {
    Wal w(f.path.string());
    auto batches = w.load();
    REQUIRE(batches.size() == 1);
    CHECK(batches[0].records[0].value == "kept");
    w.write_batch(0, {rec("after")});
  }
  Wal w(f.path.string());
  auto batches = w.load();
  REQUIRE(batches.size() == 2);
  CHECK(batches[1].records[0].value == "after");
}

TEST_CASE("a corrupted record ends the file there") {
  TempFile f;
  {
    Wal w(f.path.string());
    w.write_batch(0, {rec("first")});
    w.write_batch(0, {rec("second")});
  }
  {
    std::fstream io(f.path, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(-2, std::ios::end);
    io.put('X');
  }
  Wal w(f.path.string());
  auto batches = w.load();
  REQUIRE(batches.size() == 1);
  CHECK(batches[0].records[0].value == "first");
}

TEST_CASE("batches written by many threads at once (sharing fsyncs) all come back whole, in file order") {
  TempFile f;
  constexpr int kThreads = 6, kBatches = 40;
  {
    Wal w(f.path.string());
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t)
      writers.emplace_back([&w, t] {
        for (int b = 0; b < kBatches; ++b)
          w.write_batch(t, {rec(std::to_string(t) + "/" + std::to_string(b)), rec("second")});
      });
    for (auto& th : writers) th.join();
  }
  Wal w(f.path.string());
  auto batches = w.load();
  REQUIRE(batches.size() == size_t(kThreads * kBatches));
  std::vector<int> next(kThreads, 0);
  uint64_t last_seq = 0;
  for (const auto& b : batches) {
    CHECK(b.seq > last_seq);  // sequence numbers follow the file
    last_seq = b.seq;
    REQUIRE(b.partition >= 0);
    REQUIRE(b.partition < kThreads);
    REQUIRE(b.records.size() == 2);
    // Each writer's batches in the order it wrote them.
    CHECK(b.records[0].value == std::to_string(b.partition) + "/" + std::to_string(next[b.partition]++));
    CHECK(b.records[1].value == "second");
  }
  for (int t = 0; t < kThreads; ++t) CHECK(next[t] == kBatches);
}
