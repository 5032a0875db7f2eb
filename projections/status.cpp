#include "projections/status.hpp"

#include <iomanip>
#include <pqxx/pqxx>
#include <sstream>

namespace regent::projections {

Status read_status(pqxx::connection& conn) {
  Status out;
  pqxx::read_transaction tx(conn);
  for (const auto& r : tx.exec(R"(
        SELECT projection, partition, next_offset, skipped_invalid,
               extract(epoch FROM now() - updated_at)::float8, stalled_offset, coalesce(stalled_event_id, ''),
               coalesce(stalled_event_type, ''), coalesce(stalled_error, ''), coalesce(stalled_since::text, '')
        FROM projection_checkpoints ORDER BY projection, partition)")) {
    PartitionStatus s;
    s.projection = r[0].as<std::string>();
    s.partition = r[1].as<int32_t>();
    s.checkpoint = r[2].as<int64_t>();
    s.skipped_invalid = r[3].as<int64_t>();
    s.idle_seconds = r[4].as<double>();
    if (!r[5].is_null()) s.stalled_offset = r[5].as<int64_t>();
    s.stalled_event_id = r[6].as<std::string>();
    s.stalled_event_type = r[7].as<std::string>();
    s.stalled_error = r[8].as<std::string>();
    s.stalled_since = r[9].as<std::string>();
    out.partitions.push_back(std::move(s));
  }
  for (const auto& r : tx.exec(R"(
        SELECT projection, partition, "offset", event_id, event_type, error, reason, parked_at::text
        FROM projection_dead_letters ORDER BY projection, partition, "offset")"))
    out.dead_letters.push_back({r[0].as<std::string>(), r[1].as<int32_t>(), r[2].as<int64_t>(), r[3].as<std::string>(),
                                r[4].as<std::string>(), r[5].as<std::string>(), r[6].as<std::string>(),
                                r[7].as<std::string>()});
  for (const auto& r : tx.exec("SELECT projection, version, built_at::text FROM projection_models ORDER BY projection"))
    out.models.push_back({r[0].as<std::string>(), r[1].as<int>(), r[2].as<std::string>()});
  for (const auto& r : tx.exec(R"(
        SELECT substr(nspname, length('regent_rebuild_') + 1) FROM pg_namespace
        WHERE nspname LIKE 'regent\_rebuild\_%' ORDER BY 1)"))
    out.rebuilding.push_back(r[0].as<std::string>());
  return out;
}

std::string format_status(const Status& status) {
  std::ostringstream o;
  o << std::left << std::setw(12) << "PROJECTION" << std::right << std::setw(10) << "PARTITION" << std::setw(14)
    << "CHECKPOINT" << std::setw(14) << "LOG END" << std::setw(10) << "LAG" << std::setw(10) << "INVALID"
    << "  STATE\n";
  for (const auto& p : status.partitions) {
    std::string end = p.log_end < 0 ? "-" : std::to_string(p.log_end);
    std::string lag = p.log_end < 0 ? "-" : std::to_string(std::max<int64_t>(0, p.log_end - p.checkpoint));
    std::string state = "ok";
    if (p.stalled_offset)
      state = "STALLED at offset " + std::to_string(*p.stalled_offset) + " (" + p.stalled_event_type + " " +
              p.stalled_event_id + ", since " + p.stalled_since + "): " + p.stalled_error;
    else if (p.log_end >= 0 && p.checkpoint > p.log_end)
      state = "AHEAD of the log's end: written while reading another log?";
    else if (p.log_end > p.checkpoint && p.idle_seconds > 30)
      state = "not moving for " + std::to_string(int64_t(p.idle_seconds)) + " s";
    o << std::left << std::setw(12) << p.projection << std::right << std::setw(10) << p.partition << std::setw(14)
      << p.checkpoint << std::setw(14) << end << std::setw(10) << lag << std::setw(10) << p.skipped_invalid << "  "
      << state << "\n";
  }
  o << "\nread models:";
  for (const auto& m : status.models) o << " " << m.projection << " v" << m.version << " (built " << m.built_at << ")";
  o << "\n";
  for (const auto& r : status.rebuilding) o << "rebuild under way (or interrupted): " << r << "\n";
  o << "\ndead letters: " << status.dead_letters.size() << "\n";
  for (const auto& d : status.dead_letters)
    o << "  " << d.projection << " partition " << d.partition << " offset " << d.offset << " " << d.event_type << " "
      << d.event_id << " parked " << d.parked_at << ": " << d.reason << " (error: " << d.error << ")\n";
  return o.str();
}

core::Result<DeadLetter> park(pqxx::connection& conn, const std::string& projection, int32_t partition, int64_t offset,
                              const std::string& reason) {
  if (reason.empty()) return core::make_error(core::errc::validation_failed, "a --reason is required");
  pqxx::work tx(conn);
  auto rows = tx.exec_params(R"(
      SELECT next_offset, stalled_offset, coalesce(stalled_event_id, ''), coalesce(stalled_event_type, ''),
             coalesce(stalled_error, ''), coalesce(stalled_payload, '')
      FROM projection_checkpoints WHERE projection = $1 AND partition = $2 FOR UPDATE)",
                             projection, partition);
  std::string where = projection + " partition " + std::to_string(partition);
  if (rows.empty()) return core::make_error(core::errc::not_found, "no checkpoint for " + where);
  auto r = rows[0];
  if (r[1].is_null())
    return core::make_error(core::errc::conflict,
                            where + " is not stalled (its checkpoint is " + r[0].as<std::string>() + "): nothing to skip");
  if (r[1].as<int64_t>() != offset)
    return core::make_error(core::errc::conflict,
                            where + " is stalled at offset " + r[1].as<std::string>() + ", not " + std::to_string(offset));
  DeadLetter d{projection, partition, offset, r[2].as<std::string>(), r[3].as<std::string>(), r[4].as<std::string>(),
               reason, ""};
  // Parked twice before the projection's next retry: the first parking stands.
  d.parked_at = tx.exec_params1(R"(
      INSERT INTO projection_dead_letters (projection, partition, "offset", event_id, event_type, payload, error, reason)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
      ON CONFLICT (projection, partition, "offset") DO UPDATE SET parked_at = projection_dead_letters.parked_at
      RETURNING parked_at::text)",
                                projection, partition, offset, d.event_id, d.event_type, r[5].as<std::string>(),
                                d.error, reason)[0]
                    .as<std::string>();
  tx.commit();
  return d;
}

}  // namespace regent::projections
