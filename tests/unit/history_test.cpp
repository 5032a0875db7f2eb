// The embedded log's history keeps a bounded tail in memory and reads older offsets back from the
// write-ahead file, with the same answers either way.
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "events/history.hpp"
#include "events/wal.hpp"

using namespace regent::events;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("regent-history-" + std::to_string(getpid()) + "-" +
                                               std::to_string(reinterpret_cast<uintptr_t>(this)));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

std::string value_of(int32_t partition, int64_t offset) {
  // Sizes vary, and some records are larger than a read-back buffer.
  size_t pad = offset % 97 == 0 ? 400'000 : static_cast<size_t>(offset % 300);
  return "p" + std::to_string(partition) + "-o" + std::to_string(offset) + "-" + std::string(pad, 'v');
}

// Appends `count` records to `partition` the way EventLog does: the file first, then the history
// at the acknowledged offsets.
void append(Wal& wal, History& history, int32_t partition, int64_t& next, int count) {
  std::vector<Record> records;
  std::vector<int64_t> offsets;
  for (int i = 0; i < count; ++i) {
    records.push_back(Record{"key-" + std::to_string(next), value_of(partition, next), {{"ce_type", "t"}}});
    offsets.push_back(next++);
  }
  std::vector<uint64_t> positions;
  wal.write_batch(partition, records, &positions);
  REQUIRE(positions.size() == records.size());
  history.add(partition, records, offsets, positions);
}

void check_all(const History& history, int32_t partition, int64_t end, size_t step) {
  int64_t offset = 0;
  while (offset < end) {
    auto got = history.read(partition, offset, step);
    REQUIRE(!got.empty());
    for (const auto& m : got) {
      REQUIRE(m.partition == partition);
      REQUIRE(m.offset == offset);
      REQUIRE(m.key == "key-" + std::to_string(offset));
      REQUIRE(m.value == value_of(partition, offset));
      ++offset;
    }
  }
  CHECK(offset == end);
  CHECK(history.read(partition, end, step).empty());
  CHECK_FALSE(history.at(partition, end).has_value());
}
}  // namespace

TEST_CASE("older records leave memory and are read back from the file, the same as before") {
  TempDir dir;
  Wal wal((dir.path / "events.wal").string());
  History history(2, wal, (dir.path / "index").string(), 8 * 1024);
  int64_t next0 = 0, next1 = 0;
  for (int round = 0; round < 200; ++round) {
    append(wal, history, 0, next0, 1 + round % 7);
    append(wal, history, 1, next1, 2);
  }
  CHECK(history.size(0) == next0);
  CHECK(history.size(1) == next1);
  // Memory holds the newest few kilobytes of each partition (one record more at most), whatever
  // was written.
  CHECK(history.memory_bytes() < 2 * (8 * 1024 + 400'100));
  for (size_t step : {size_t{1}, size_t{7}, size_t{1000}}) {
    check_all(history, 0, next0, step);
    check_all(history, 1, next1, step);
  }
  // A read that starts in the file and ends in memory is one answer.
  auto across = history.read(0, next0 - 50, 100);
  REQUIRE(across.size() == 50);
  CHECK(across.back().offset == next0 - 1);
  CHECK(history.at(1, 3)->value == value_of(1, 3));
}

TEST_CASE("positions the file reports at load read back the same records after a restart") {
  TempDir dir;
  std::string file = (dir.path / "events.wal").string();
  int64_t next = 0;
  {
    Wal wal(file);
    History history(1, wal, (dir.path / "index").string(), 1024);
    append(wal, history, 0, next, 10);
    auto seq = wal.write_batch(0, {Record{"cancelled", "never acknowledged", {}}});
    wal.cancel(seq, {0});
    append(wal, history, 0, next, 10);
  }
  Wal wal(file);
  History history(1, wal, (dir.path / "index").string(), 1024);
  // As EventLog replays the file: the records' bytes stay in the file, the history keeps where.
  int64_t replayed = 0;
  wal.load_views([&](int32_t partition, uint64_t, const std::vector<RecordView>& records,
                     const std::vector<uint64_t>& positions) {
    REQUIRE(positions.size() == records.size());
    std::vector<int64_t> offsets;
    for (size_t i = 0; i < records.size(); ++i) {
      CHECK(records[i].value == value_of(partition, replayed));
      offsets.push_back(replayed++);
    }
    history.add_indexed(partition, offsets, positions);
  });
  CHECK(replayed == next);  // the cancelled record is not replayed
  CHECK(history.memory_bytes() == 0);
  check_all(history, 0, next, 3);
  // And writing goes on after what was loaded.
  append(wal, history, 0, next, 5);
  check_all(history, 0, next, 4);
}

TEST_CASE("readers keep reading while records are added and evicted") {
  TempDir dir;
  Wal wal((dir.path / "events.wal").string());
  History history(1, wal, (dir.path / "index").string(), 2048);
  std::atomic<bool> done{false};
  std::atomic<int64_t> read_total{0};
  std::thread reader([&] {
    int64_t offset = 0;
    while (!done || offset < history.size(0)) {
      for (const auto& m : history.read(0, offset, 13)) {
        if (m.offset != offset || m.value != value_of(0, offset)) return;  // read_total then falls short
        ++offset;
      }
    }
    read_total = offset;
  });
  int64_t next = 0;
  for (int i = 0; i < 300; ++i) append(wal, history, 0, next, 3);
  done = true;
  reader.join();
  CHECK(read_total == next);
}

TEST_CASE("a history without a file keeps everything in memory") {
  History history(1);
  history.add(0, {Record{"k", "a", {}}, Record{"k", "b", {}}}, {0, 1});
  history.add(0, {Record{"k", "c", {}}}, {-1});  // not acknowledged: not recorded
  CHECK(history.size(0) == 2);
  CHECK(history.read(0, 0, 10).size() == 2);
  CHECK(history.at(0, 1)->value == "b");
  // A gap would make the history lie: it breaks instead.
  history.add(0, {Record{"k", "d", {}}}, {5});
  CHECK(history.broken());
  CHECK(history.size(0) == 2);
}
