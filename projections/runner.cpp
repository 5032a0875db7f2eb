#include "projections/runner.hpp"

#include <algorithm>
#include <pqxx/pqxx>
#include <thread>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "events/log_reader.hpp"
#include "projections/failures.hpp"
#include "projections/personal_reader.hpp"
#include "projections/sql_arrays.hpp"

namespace regent::projections {
namespace {
const core::Logger logger("projections");

constexpr auto kFirstRetry = std::chrono::milliseconds(500);
constexpr auto kLastRetry = std::chrono::milliseconds(10'000);

constexpr const char* kEnsureRows = R"(
  INSERT INTO projection_checkpoints (projection, partition, next_offset)
  SELECT $1, p, 0 FROM generate_series(0, $2 - 1) AS p ON CONFLICT DO NOTHING)";

constexpr const char* kLoad = R"(
  SELECT partition, next_offset, writer_id, writer_epoch, skipped_invalid, writer_last_id, last_event_id,
         to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  FROM projection_checkpoints WHERE projection = $1)";

constexpr const char* kLoadParked = R"(SELECT partition, "offset" FROM projection_dead_letters WHERE projection = $1)";

// The compare-and-set that makes a second application impossible: the row moves only from the
// offset this batch started at. Moving also clears a stall, which the batch has just got past.
// Every partition of a batch in one statement: the rows are locked in partition order first (a
// concurrent runner on the same partitions waits there, then finds the offsets moved), and only
// those still at the offset the batch started from move.
constexpr const char* kAdvance = R"(
  WITH moves AS (
    SELECT * FROM unnest($2::int[], $3::bigint[], $4::bigint[], $5::text[], $6::bigint[], $7::text[], $8::bigint[],
                         $9::text[])
      AS m(partition, was, next_offset, writer_id, writer_epoch, writer_last_id, skipped_invalid, last_event_id)),
  locked AS (
    SELECT c.partition FROM projection_checkpoints c JOIN moves m ON m.partition = c.partition
    WHERE c.projection = $1 AND c.next_offset = m.was
    ORDER BY c.partition FOR UPDATE OF c)
  UPDATE projection_checkpoints c SET next_offset = m.next_offset, writer_id = m.writer_id,
    writer_epoch = m.writer_epoch, writer_last_id = m.writer_last_id, skipped_invalid = m.skipped_invalid,
    last_event_id = m.last_event_id, updated_at = now(), stalled_offset = NULL, stalled_event_id = NULL,
    stalled_event_type = NULL, stalled_error = NULL, stalled_payload = NULL, stalled_since = NULL
  FROM moves m
  WHERE c.projection = $1 AND c.partition = m.partition AND c.next_offset = m.was
    AND c.partition IN (SELECT partition FROM locked))";

constexpr const char* kStall = R"(
  UPDATE projection_checkpoints SET stalled_offset = $3, stalled_event_id = $4, stalled_event_type = $5,
    stalled_error = $6, stalled_payload = $7, stalled_since = COALESCE(stalled_since, now())
  WHERE projection = $1 AND partition = $2 AND next_offset = $3)";

std::string first_line(std::string s) {
  if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  if (s.size() > 500) s.resize(500);
  return s;
}

Cursors load_cursors(pqxx::connection& conn, const std::string& name, const std::set<int32_t>& partitions) {
  Cursors out;
  pqxx::read_transaction tx(conn);
  for (const auto& row : tx.exec_params(kLoad, name)) {
    int32_t p = row[0].as<int32_t>();
    if (!partitions.count(p)) continue;
    auto& c = out[p];
    c.next_offset = row[1].as<int64_t>();
    c.fence.writer_id = row[2].as<std::string>();
    c.fence.epoch = row[3].as<int64_t>();
    c.skipped = row[4].as<int64_t>();
    c.fence.last_id = row[5].as<std::string>();
    c.last_event_id = row[6].as<std::string>();
    // Until an event is read, the lag in seconds counts from when the checkpoint last moved: a
    // partition stalled since before a restart (or a retry) is not reported as fresh.
    c.last_event_time = row[7].as<std::string>();
  }
  for (int32_t p : partitions)
    if (!out.count(p)) throw std::runtime_error("no checkpoint row for partition " + std::to_string(p));
  return out;
}
}  // namespace

Runner::Runner(RunnerOptions options, Projection& projection, Assignment& assignment, const std::atomic<bool>& stop)
    : options_(std::move(options)),
      projection_(projection),
      name_(projection.name()),
      assignment_(assignment),
      id_(assignment.add_runner()),
      stop_(stop) {}

void Runner::run() {
  auto backoff = std::chrono::milliseconds(100);
  while (!stop_) {
    auto view = assignment_.get();
    assignment_.acknowledge(id_, view.generation);
    if (view.partitions.empty()) {
      assignment_.wait_change(view.generation, std::chrono::milliseconds(100));
      continue;
    }
    try {
      if (run_generation(view)) return;
      backoff = std::chrono::milliseconds(100);
    } catch (const CheckpointMoved& ex) {
      logger.info("checkpoint moved elsewhere; reading it again", {{"projection", name_}, {"detail", ex.what()}});
    } catch (const std::exception& ex) {
      if (options_.fail_when_truncated && dynamic_cast<const events::LogTruncated*>(&ex)) throw;
      // Nothing of the failed batch was committed: start again from the stored checkpoints.
      logger.error("projection interrupted; resuming from its checkpoints",
                   {{"projection", name_}, {"error", first_line(ex.what())},
                    {"retry_in_ms", backoff.count()}});
      core::Metrics::global().counter_add("regent_projection_failures_total", {{"projection", name_}});
      // Waits out the backoff, unless stopped or handed other partitions meanwhile.
      for (auto until = std::chrono::steady_clock::now() + backoff;
           !stop_ && assignment_.generation() == view.generation && std::chrono::steady_clock::now() < until;)
        assignment_.wait_change(view.generation, std::chrono::milliseconds(50));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
  }
}

// One connection and one reader for as long as the assignment holds. Returns true when the runner
// is done for good.
bool Runner::run_generation(const Assignment::View& view) {
  pqxx::connection conn(options_.where.pg_url);
  {
    pqxx::nontransaction setup(conn);
    // A read model is rebuilt from the log: a commit lost in a Postgres crash is applied again
    // from the checkpoint committed with the data before it, so waiting for the WAL flush of
    // every batch buys nothing.
    setup.exec("SET synchronous_commit = off");
    if (!options_.schema.empty()) setup.exec("SET search_path TO " + conn.quote_name(options_.schema) + ", public");
    setup.exec_params(kEnsureRows, name_, options_.where.partitions);
  }
  auto cursors = load_cursors(conn, name_, view.partitions);
  stored_.clear();
  for (const auto& [p, c] : cursors) stored_[p] = c.next_offset;
  deferred_since_.reset();
  forget_all_but(view.partitions);
  parked_.clear();
  {
    pqxx::read_transaction tx(conn);
    for (const auto& row : tx.exec_params(kLoadParked, name_)) parked_.emplace(row[0].as<int32_t>(), row[1].as<int64_t>());
  }
  events::LogReader reader(options_.where.brokers, options_.where.topic, options_.where.history);
  // Each partition is read from the record before its checkpoint, to see that it is the one the
  // checkpoint was written after (commit() passes over it, as over anything already applied).
  std::map<int32_t, int64_t> from;
  std::set<int32_t> unchecked;
  for (const auto& [p, c] : cursors) {
    bool checkable = c.next_offset > 0 && !c.last_event_id.empty();
    from[p] = checkable ? c.next_offset - 1 : c.next_offset;
    if (checkable) unchecked.insert(p);
  }
  reader.assign(from);
  logger.info("projection running", {{"projection", name_}, {"partitions", view.partitions.size()}});
  // A partition whose checkpoint the log no longer holds stops there, said like a stall; the others
  // are read on from where they stand.
  auto poll = [&](size_t max, std::chrono::milliseconds wait) -> std::vector<events::Message> {
    try {
      return reader.poll(max, wait);
    } catch (const events::LogTruncated& t) {
      if (options_.fail_when_truncated || !cursors.count(t.partition)) throw;
      flush_deferred(conn, cursors, true);
      stall_truncated(conn, t.partition, cursors.at(t.partition).next_offset, t.what());
      std::map<int32_t, int64_t> rest;
      for (const auto& [p, c] : cursors)
        if (!held(p)) rest[p] = unchecked.count(p) ? c.next_offset - 1 : c.next_offset;
      reader.assign(rest);
      return {};
    }
  };
  while (!stop_ && assignment_.generation() == view.generation) {
    if (retry_due()) return false;  // read the stalled partitions again from their checkpoints
    auto messages = poll(options_.max_batch, std::chrono::milliseconds(100));
    // A batch is sized by count and by time: once something arrived, let what else comes within
    // the linger gather in the reader's queue, then take it all, so that one transaction carries
    // many events and the thread wakes once per batch, not once per arrival.
    if (!messages.empty() && messages.size() < options_.max_batch) {
      std::this_thread::sleep_for(options_.linger);
      auto more = poll(options_.max_batch - messages.size(), std::chrono::milliseconds(0));
      messages.insert(messages.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    }
    for (const auto& m : messages)
      if (unchecked.erase(m.partition)) check_same_log(conn, m, cursors.at(m.partition));
    std::erase_if(messages, [&](const events::Message& m) { return held(m.partition); });
    if (!messages.empty()) {
      try {
        commit(conn, messages, cursors);
      } catch (const std::exception& ex) {
        if (transient_failure(ex)) throw;
        // Some event of the batch cannot be applied: find it, one event per transaction.
        commit_carefully(conn, messages, cursors);
      }
    }
    flush_deferred(conn, cursors, bool(options_.after_commit));  // a rebuild's checkpoints are always written
    export_metrics(cursors, reader);
    if (options_.after_commit && options_.after_commit(conn, cursors, reader)) return true;
  }
  return stop_;
}

// Moves every checkpoint whose progress differs from what Postgres holds, by compare-and-set on
// what it holds, in partition order: a concurrent runner on the same partitions waits here, then
// finds the offsets moved, before either touches a read model.
void Runner::write_checkpoints(pqxx::work& tx, const Cursors& progress) {
  PgArray partition, was, offset, writer, epoch, last_id, skipped, last_event;
  for (const auto& [p, c] : progress) {
    int64_t stored = stored_.at(p);
    if (c.next_offset == stored) continue;
    partition.add(int64_t{p});
    was.add(stored);
    offset.add(c.next_offset);
    writer.add(std::string_view(c.fence.writer_id));
    epoch.add(c.fence.epoch);
    last_id.add(std::string_view(c.fence.last_id));
    skipped.add(c.skipped);
    last_event.add(std::string_view(c.last_event_id));
  }
  if (partition.size() == 0) return;
  auto moved = tx.exec_params(kAdvance, name_, partition.literal(), was.literal(), offset.literal(), writer.literal(),
                              epoch.literal(), last_id.literal(), skipped.literal(), last_event.literal());
  if (moved.affected_rows() != partition.size()) {
    std::string starts;
    for (const auto& [p, c] : progress)
      if (c.next_offset != stored_.at(p)) starts += (starts.empty() ? "" : ", ") + std::to_string(p) + " at " + std::to_string(stored_.at(p));
    throw CheckpointMoved(name_ + ": a checkpoint is no longer where this batch started (partitions " + starts + ")");
  }
}

// What a batch leaves in memory once it is applied (or found to change nothing here).
void Runner::advance(Cursors& next, Cursors& cursors) {
  for (auto& [p, c] : next) {
    if (auto s = stalls_.find(p); s != stalls_.end() && c.next_offset > s->second.offset) {
      logger.info("projection resumed past the event it stalled on",
                  {{"projection", name_}, {"partition", p}, {"offset", s->second.offset}});
      if (options_.schema.empty())
        core::Metrics::global().gauge_set("regent_projection_stalled", {{"projection", name_}, {"partition", std::to_string(p)}}, 0);
      stalls_.erase(s);
    }
    cursors[p] = std::move(c);
    report(p, [&](Progress& r) {
      r.checkpoint = cursors[p].next_offset;
      r.moved = std::chrono::steady_clock::now();
      r.stalled.clear();
    });
  }
}

// Writes the checkpoints that moved in memory only, when they have waited kDeferAtMost (or `now`):
// before a stall is recorded at one, and so that read-your-writes on this model never waits long.
void Runner::flush_deferred(pqxx::connection& conn, const Cursors& cursors, bool now) {
  if (!deferred_since_) return;
  if (!now && std::chrono::steady_clock::now() - *deferred_since_ < kDeferAtMost) return;
  pqxx::work tx(conn);
  write_checkpoints(tx, cursors);
  tx.exec("NOTIFY regent_checkpoints");
  tx.commit();
  for (const auto& [p, c] : cursors) stored_[p] = c.next_offset;
  deferred_since_.reset();
}

void Runner::commit(pqxx::connection& conn, const std::vector<events::Message>& messages, Cursors& cursors) {
  Cursors next;
  std::vector<events::Envelope> valid;
  int64_t parked = 0;
  for (const auto& m : messages) {
    auto found = cursors.find(m.partition);
    if (found == cursors.end()) continue;  // not ours (any more)
    auto& c = next.try_emplace(m.partition, found->second).first->second;
    if (m.offset < c.next_offset) continue;  // already applied
    auto e = events::parse_envelope(m.value);
    c.last_event_id = e ? e->id : "";
    if (e) c.last_event_time = e->time;
    auto verdict = e ? events::admit(c.fence, *e) : events::Verdict::invalid;
    if (verdict == events::Verdict::valid) {
      if (parked_.count({m.partition, m.offset})) {
        ++parked;  // an operator moved past it
      } else {
        e->log_partition = m.partition;
        e->log_offset = m.offset;
        valid.push_back(std::move(e.value()));
      }
    }
    if (verdict == events::Verdict::invalid) ++c.skipped;
    c.next_offset = m.offset + 1;
  }
  // Nothing new (only the record before a checkpoint, read again to check it): no transaction.
  if (std::none_of(next.begin(), next.end(), [&](const auto& kv) { return kv.second.next_offset != cursors.at(kv.first).next_offset; }))
    return;
  // Nothing this model holds changes: the checkpoints move in memory only, and are written with the
  // next batch it applies or within kDeferAtMost (flush_deferred). Reading these events again after
  // a crash changes nothing, so exactly-once holds, and most batches of most projections (a wallet
  // debit concerns one of them) cost no transaction at all.
  bool relevant = parked > 0 || std::any_of(valid.begin(), valid.end(), [&](const events::Envelope& e) {
                    return projection_.handles(e.type);
                  });
  if (!relevant) {
    if (!deferred_since_) deferred_since_ = std::chrono::steady_clock::now();
  } else {
    Cursors progress = cursors;
    for (const auto& [p, c] : next) progress[p] = c;
    pqxx::work tx(conn);
    write_checkpoints(tx, progress);
    if (!valid.empty()) {
      open_personal(
          tx, options_.where.master.get(), valid, [&](std::string_view type) { return projection_.handles(type); },
          projection_.reads_origin());
      projection_.apply(tx, valid);
    }
    tx.exec("NOTIFY regent_checkpoints");
    tx.commit();
    for (const auto& [p, c] : progress) stored_[p] = c.next_offset;
    deferred_since_.reset();
  }
  advance(next, cursors);
  // Counted once they are behind it, applied or found to change nothing, as before batches were skipped.
  auto& metrics = core::Metrics::global();
  metrics.counter_add("regent_projection_events_total", {{"projection", name_}}, double(valid.size()));
  if (parked) metrics.counter_add("regent_projection_parked_passed_total", {{"projection", name_}}, double(parked));
}

// The first record read of a partition is the one before its checkpoint (or a later one, when
// the log has a gap there). Another record at that offset means the checkpoint was written while
// reading another log: applying from it would skip what this log holds before it, so the partition
// stops, said like a stall, until an operator rebuilds the model or points it at the right database.
void Runner::check_same_log(pqxx::connection& conn, const events::Message& m, const Cursor& c) {
  if (m.offset != c.next_offset - 1) return;
  auto e = events::parse_envelope(m.value);
  std::string found = e ? e->id : "";
  if (found == c.last_event_id) return;
  std::string why = "the checkpoint was written after event " + c.last_event_id + " at offset " +
                    std::to_string(m.offset) + ", but this log has " + (found.empty() ? "another record" : found) +
                    " there: it comes from another log; rebuild the model or use the right database";
  publish_stall(conn, m, c.next_offset, found, e ? e->type : "", why);
  throw std::runtime_error(name_ + " partition " + std::to_string(m.partition) + ": " + why);
}

void Runner::commit_carefully(pqxx::connection& conn, const std::vector<events::Message>& messages, Cursors& cursors) {
  flush_deferred(conn, cursors, true);  // a stall is recorded at the stored checkpoint
  for (const auto& m : messages) {
    if (held(m.partition)) continue;  // stalled earlier in this batch
    try {
      commit(conn, {m}, cursors);
    } catch (const std::exception& ex) {
      if (transient_failure(ex)) throw;
      flush_deferred(conn, cursors, true);  // the events before it in this batch that changed nothing
      stall(conn, m, ex.what());
    }
  }
}

// Holds the partition's messages back until the next retry; true when it was stalled there already.
// `delay`: the wait before the retry (0: doubling from kFirstRetry up to kLastRetry).
bool Runner::hold(int32_t partition, int64_t offset, std::chrono::milliseconds delay) {
  auto& s = stalls_[partition];
  bool again = s.offset == offset && s.delay.count() > 0;
  s.offset = offset;
  if (delay.count() == 0)
    delay = again ? std::min(s.delay * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kLastRetry))
                  : std::chrono::duration_cast<std::chrono::milliseconds>(kFirstRetry);
  s.delay = delay;
  s.retry_at = std::chrono::steady_clock::now() + s.delay;
  s.armed = true;
  return again;
}

void Runner::stall(pqxx::connection& conn, const events::Message& m, const std::string& error) {
  bool again = hold(m.partition, m.offset, std::chrono::milliseconds(0));
  const auto& s = stalls_[m.partition];
  auto e = events::parse_envelope(m.value);
  std::string id = e ? e->id : "", type = e ? e->type : "";
  std::string why = first_line(error);
  publish_stall(conn, m, m.offset, id, type, why);
  // Said loudly the first time, then once in a while: the partition is stuck until fixed.
  if (!again || s.delay >= kLastRetry)
    logger.error("projection stalled: an event cannot be applied",
                 {{"projection", name_}, {"partition", m.partition}, {"offset", m.offset},
                  {"event_id", id}, {"event_type", type}, {"error", why}});
}

// The log no longer holds the partition's checkpoint: nothing more can be applied there, ever,
// without the events that were deleted. Tried again now and then (a restored topic may have them).
void Runner::stall_truncated(pqxx::connection& conn, int32_t partition, int64_t checkpoint, const std::string& why) {
  bool again = hold(partition, checkpoint, std::chrono::duration_cast<std::chrono::milliseconds>(kLastRetry));
  events::Message m;
  m.partition = partition;
  m.offset = checkpoint;
  publish_stall(conn, m, checkpoint, "", "", first_line(why));
  if (!again)
    logger.error("projection stalled: the log no longer holds its checkpoint",
                 {{"projection", name_}, {"partition", partition},
                  {"checkpoint", checkpoint}, {"error", first_line(why)}});
}

// Where a partition stopped, for all who ask: the checkpoint row (`projections status`, the API's
// /readyz), this process's /metrics and its /readyz.
void Runner::publish_stall(pqxx::connection& conn, const events::Message& m, int64_t checkpoint, const std::string& id,
                           const std::string& type, const std::string& why) {
  {
    pqxx::work tx(conn);
    tx.exec_params(kStall, name_, m.partition, checkpoint, id, type, why, m.value);
    tx.commit();
  }
  if (options_.schema.empty())  // a rebuild's stall is in its own log lines, not the live model's series
    core::Metrics::global().gauge_set("regent_projection_stalled",
                                      {{"projection", name_}, {"partition", std::to_string(m.partition)}}, 1);
  report(m.partition, [&](Progress& r) {
    r.stalled = "stalled at offset " + std::to_string(checkpoint) + (type.empty() ? "" : " on " + type + " " + id) + ": " + why;
  });
}

// Partitions handed to another process: their stalls and series are that process's now.
void Runner::forget_all_but(const std::set<int32_t>& partitions) {
  std::erase_if(stalls_, [&](const auto& kv) { return !partitions.count(kv.first); });
  std::lock_guard lock(report_mu_);
  for (auto it = progress_.begin(); it != progress_.end();) {
    if (partitions.count(it->first)) {
      ++it;
      continue;
    }
    core::Labels labels{{"projection", name_}, {"partition", std::to_string(it->first)}};
    for (const char* series : {"regent_projection_checkpoint", "regent_projection_skipped_invalid", "regent_projection_log_end",
                               "regent_projection_lag", "regent_projection_lag_seconds", "regent_projection_stalled"})
      core::Metrics::global().remove(series, labels);
    it = progress_.erase(it);
  }
}

void Runner::report(int32_t partition, const std::function<void(Progress&)>& f) {
  std::lock_guard lock(report_mu_);
  f(progress_[partition]);
}

std::vector<std::string> Runner::problems(std::chrono::seconds idle) const {
  std::vector<std::string> out;
  std::lock_guard lock(report_mu_);
  auto now = std::chrono::steady_clock::now();
  for (const auto& [p, r] : progress_) {
    std::string where = name_ + " partition " + std::to_string(p) + " ";
    if (!r.stalled.empty()) out.push_back(where + r.stalled);
    else if (r.end > r.checkpoint && now - r.moved > idle)
      out.push_back(where + "has not moved for " +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - r.moved).count()) + " s with " +
                    std::to_string(r.end - r.checkpoint) + " events to read");
  }
  return out;
}

bool Runner::held(int32_t partition) const {
  auto s = stalls_.find(partition);
  return s != stalls_.end() && s->second.armed;
}

bool Runner::retry_due() {
  bool due = false;
  auto now = std::chrono::steady_clock::now();
  for (auto& [p, s] : stalls_)
    if (s.armed && now >= s.retry_at) s.armed = false, due = true;
  return due;
}

void Runner::export_metrics(const Cursors& cursors, events::LogReader& reader) {
  if (!options_.schema.empty()) return;  // a rebuild's progress is not the live model's
  auto& metrics = core::Metrics::global();
  for (const auto& [p, c] : cursors) {
    core::Labels labels{{"projection", name_}, {"partition", std::to_string(p)}};
    metrics.gauge_set("regent_projection_checkpoint", labels, double(c.next_offset));
    metrics.gauge_set("regent_projection_skipped_invalid", labels, double(c.skipped));
    int64_t end = reader.cached_end_offset(p);
    report(p, [&](Progress& r) {
      r.checkpoint = c.next_offset;
      r.end = end;
    });
    if (end >= 0) {
      metrics.gauge_set("regent_projection_log_end", labels, double(end));
      int64_t behind = std::max<int64_t>(0, end - c.next_offset);
      metrics.gauge_set("regent_projection_lag", labels, double(behind));
      auto last = behind > 0 ? core::parse_rfc3339(c.last_event_time) : std::nullopt;
      double age = last ? double(core::now_millis() - *last) / 1000 : 0;
      metrics.gauge_set("regent_projection_lag_seconds", labels, std::max(0.0, age));
    }
  }
}

}  // namespace regent::projections
