#include "projections/rebuild.hpp"

#include <pqxx/pqxx>

#include "core/log.hpp"
#include "events/log_reader.hpp"
#include "projections/assignment.hpp"
#include "projections/runner.hpp"

namespace regent::projections {
namespace {
const core::Logger logger("projections");

constexpr const char* kLock = "SELECT pg_try_advisory_lock(hashtext('regent rebuild ' || $1))";

constexpr const char* kLiveCheckpoints = R"(
  SELECT partition, next_offset FROM public.projection_checkpoints WHERE projection = $1
  ORDER BY partition FOR UPDATE)";

std::string array_literal(const std::vector<std::string>& names) {
  std::string out = "{";
  for (const auto& n : names) out += (out.size() > 1 ? "," : "") + n;
  return out + "}";
}

void prepare(pqxx::connection& conn, const Projection& projection, const std::string& schema) {
  pqxx::work tx(conn);
  tx.exec("SET LOCAL client_min_messages = warning");
  std::string s = tx.quote_name(schema);
  tx.exec("DROP SCHEMA IF EXISTS " + s + " CASCADE");
  tx.exec("CREATE SCHEMA " + s);
  auto copy = [&](const std::string& table) {
    tx.exec("CREATE TABLE " + s + "." + tx.quote_name(table) + " (LIKE public." + tx.quote_name(table) +
            " INCLUDING ALL)");
  };
  for (const auto& t : projection.tables()) copy(t);
  copy("projection_checkpoints");
  tx.commit();
}

// In one transaction: if the rebuilt model has reached the live one in every partition, its
// tables and checkpoints replace the live ones. The live checkpoint rows are locked first, in
// partition order like every runner does, so no live batch commits in between.
bool try_swap(pqxx::connection& conn, const Projection& projection, const std::string& schema, const Cursors& cursors) {
  pqxx::work tx(conn);
  tx.exec("SET LOCAL lock_timeout = '5s'");
  const std::string name = projection.name();
  for (const auto& row : tx.exec_params(kLiveCheckpoints, name)) {
    auto c = cursors.find(row[0].as<int32_t>());
    if (c == cursors.end() || c->second.next_offset < row[1].as<int64_t>()) return false;  // rolls back
  }
  std::string s = tx.quote_name(schema);
  tx.exec_params("DELETE FROM public.projection_checkpoints WHERE projection = $1", name);
  tx.exec_params("INSERT INTO public.projection_checkpoints SELECT * FROM " + s +
                     ".projection_checkpoints WHERE projection = $1",
                 name);
  tx.exec_params("SELECT public.regent_swap_in($1, $2::text[])", schema, array_literal(projection.tables()));
  tx.exec_params(R"(INSERT INTO public.projection_models (projection, version) VALUES ($1, $2)
                    ON CONFLICT (projection) DO UPDATE SET version = EXCLUDED.version, built_at = now())",
                 name, projection.version());
  tx.exec("SET LOCAL client_min_messages = warning");
  tx.exec("DROP SCHEMA " + s + " CASCADE");
  tx.exec("NOTIFY regent_checkpoints");
  tx.commit();
  return true;
}
}  // namespace

std::string rebuild_schema(const std::string& projection) { return "regent_rebuild_" + projection; }

RebuildOutcome rebuild(Projection& projection, const RebuildOptions& options, const std::atomic<bool>& stop) {
  const std::string name = projection.name();
  const std::string schema = rebuild_schema(name);
  // Held for the whole rebuild by this session: a second rebuild of the same model waits its turn.
  pqxx::connection lock(options.where.pg_url);
  {
    pqxx::nontransaction tx(lock);
    if (!tx.exec_params(kLock, name)[0][0].as<bool>()) return RebuildOutcome::busy;
  }
  {
    // A binary must not replace a model built by a newer version of its projection with an older one.
    pqxx::read_transaction tx(lock);
    auto stored = tx.exec_params("SELECT version FROM projection_models WHERE projection = $1", name);
    if (!stored.empty() && stored[0][0].as<int>() > projection.version())
      throw std::runtime_error("the " + name + " read model was built by version " + stored[0][0].as<std::string>() +
                               " of its projection, newer than this binary's " + std::to_string(projection.version()));
  }
  prepare(lock, projection, schema);
  logger.info("rebuild started", {{"projection", name}, {"schema", schema}, {"version", projection.version()}});
  auto started = std::chrono::steady_clock::now();
  auto last_report = started;
  bool swapped = false;

  Assignment all;
  std::set<int32_t> partitions;
  for (int32_t p = 0; p < options.where.partitions; ++p) partitions.insert(p);
  all.add(partitions);
  RunnerOptions ro;
  ro.where = options.where;
  ro.max_batch = options.max_batch;
  ro.schema = schema;
  ro.fail_when_truncated = true;  // a rebuild from what is left would be a partial model
  ro.after_commit = [&](pqxx::connection& conn, const Cursors& cursors, events::LogReader& reader) {
    int64_t done = 0, total = 0;
    bool caught_up = true;
    for (const auto& [p, c] : cursors) {
      int64_t end = reader.cached_end_offset(p);
      if (end < 0) end = reader.end_offset(p, std::chrono::seconds(2));
      done += c.next_offset;
      total += end;
      caught_up = caught_up && c.next_offset >= end;
    }
    auto now = std::chrono::steady_clock::now();
    if (options.progress && (now - last_report > std::chrono::seconds(2) || caught_up)) {
      options.progress(done, total);
      last_report = now;
    }
    if (!caught_up) return false;
    swapped = try_swap(conn, projection, schema, cursors);
    return swapped;
  };
  Runner runner(ro, projection, all, stop);
  runner.run();
  if (!swapped) return RebuildOutcome::stopped;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  logger.info("rebuild swapped in", {{"projection", name}, {"seconds", double(ms) / 1000}});
  return RebuildOutcome::swapped;
}

}  // namespace regent::projections
