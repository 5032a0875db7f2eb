#include "projections/engine.hpp"

#include <pqxx/pqxx>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/thread_name.hpp"
#include "events/membership.hpp"
#include "projections/rebuild.hpp"
#include "projections/runner.hpp"

namespace regent::projections {
namespace {
const core::Logger logger("projections");
}

Engine::Engine(EngineOptions options, std::vector<std::unique_ptr<Projection>> projections)
    : options_(std::move(options)), projections_(std::move(projections)) {}

Engine::~Engine() { stop(); }

// A model built by an older version of its projection is rebuilt beside the live one (which keeps
// serving, and keeps being updated by the new code); one built by a newer version is left alone,
// since this binary cannot know what it holds.
void Engine::check_versions() {
  pqxx::connection conn(options_.runners.where.pg_url);
  pqxx::work tx(conn);
  for (auto& p : projections_) {
    tx.exec_params("INSERT INTO projection_models (projection, version) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                   p->name(), p->version());
    int stored = tx.exec_params("SELECT version FROM projection_models WHERE projection = $1", p->name())[0][0].as<int>();
    core::Metrics::global().gauge_set("regent_projection_version", {{"projection", p->name()}}, stored);
    if (stored > p->version()) {
      logger.error("read model built by a newer version of its projection: not touching it",
                   {{"projection", p->name()}, {"stored_version", stored},
                    {"this_version", p->version()}});
      continue;
    }
    runnable_.push_back(p.get());
    if (stored < p->version()) outdated_.push_back(p.get());
  }
  tx.commit();
}

void Engine::start() {
  check_versions();
  for (auto* p : runnable_) {
    auto runner = std::make_shared<Runner>(options_.runners, *p, assignment_, stop_);
    runners_.push_back(runner);
    threads_.push_back(core::named_thread("proj-" + runner->name(), [runner] { runner->run(); }));
  }
  for (auto* p : outdated_) rebuild_in_background(*p);
  auto count_assigned = [this] {
    core::Metrics::global().gauge_set("regent_projection_partitions_assigned", {},
                                      double(assignment_.get().partitions.size()));
  };
  if (options_.group.empty()) {
    std::set<int32_t> all;
    for (int32_t p = 0; p < options_.runners.where.partitions; ++p) all.insert(p);
    assignment_.add(all);
    count_assigned();
    return;
  }
  auto to_set = [](const events::Membership::Partitions& ps) { return std::set<int32_t>(ps.begin(), ps.end()); };
  membership_ = std::make_unique<events::Membership>(
      events::MembershipOptions{options_.runners.where.brokers, options_.runners.where.topic, options_.group,
                                options_.instance_id, options_.session_timeout},
      [this, to_set, count_assigned](const events::Membership::Partitions& ps) {
        assignment_.add(to_set(ps));
        count_assigned();
      },
      [this, to_set, count_assigned](const events::Membership::Partitions& ps) {
        // Handing over cleanly: the runners finish the batch in hand and let go before the group
        // gives the partitions to another worker. (Were one late, the checkpoints' compare-and-set
        // would still keep it from applying anything twice.)
        assignment_.remove(to_set(ps));
        count_assigned();
        if (!assignment_.wait_acknowledged(std::chrono::seconds(10)))
          logger.warn("a projection runner did not let go of revoked partitions within 10 s");
      });
  membership_->start();
}

std::vector<std::string> Engine::problems(std::chrono::seconds idle) const {
  std::vector<std::string> out;
  for (const auto& r : runners_) {
    auto more = r->problems(idle);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

bool Engine::joined() const { return !membership_ || membership_->joined(); }

void Engine::rebuild_in_background(Projection& projection) {
  threads_.emplace_back([this, &projection] {
    RebuildOptions ro{options_.runners.where, options_.runners.max_batch, nullptr};
    logger.warn("read model built by an older version of its projection: rebuilding it",
                {{"projection", projection.name()}, {"version", projection.version()}});
    auto backoff = std::chrono::seconds(1);
    while (!stop_) {
      try {
        auto outcome = rebuild(projection, ro, stop_);
        if (outcome == RebuildOutcome::busy)
          logger.info("another process is rebuilding this read model", {{"projection", projection.name()}});
        return;
      } catch (const std::exception& ex) {
        logger.error("rebuild failed; trying again", {{"projection", projection.name()}, {"error", ex.what()}});
        for (auto until = std::chrono::steady_clock::now() + backoff; !stop_ && std::chrono::steady_clock::now() < until;)
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        backoff = std::min(backoff * 2, std::chrono::seconds(30));
      }
    }
  });
}

void Engine::stop() {
  // Leave the group while the runners still run, so that they acknowledge the revocation.
  if (membership_) membership_->stop();
  membership_.reset();
  stop_ = true;
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace regent::projections
