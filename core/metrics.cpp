#include "core/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <shared_mutex>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "core/build_info.hpp"

namespace regent::core {
namespace {
using T = MetricType;
const std::vector<double> kSeconds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                      0.1,    0.25,  0.5,    1,     2.5,  5,     10};
const std::vector<double> kSizes = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
}  // namespace

const std::vector<MetricInfo>& metric_catalogue() {
  static const std::vector<MetricInfo> all = {
      {"regent_build_info", T::gauge, "1, labelled with the version and the commit this binary was built from",
       {"version", "commit"}, {}},
      // HTTP
      {"regent_http_requests_total", T::counter, "HTTP requests answered, by route, method and status",
       {"route", "method", "status"}, {}},
      {"regent_http_request_duration_seconds", T::histogram,
       "time from a request's arrival to its answer, by route and status class (2xx, 4xx, 5xx)",
       {"route", "status_class"}, kSeconds},
      {"regent_http_requests_in_flight", T::gauge, "HTTP requests being handled now", {}, {}},
      {"regent_forwarded_requests_total", T::counter,
       "requests sent on to the instance that writes their tenant, by outcome (forwarded, unreachable, no_owner)",
       {"outcome"}, {}},
      // Commands
      {"regent_command_duration_seconds", T::histogram,
       "time from a command's decision to the acknowledgement of its events by Kafka", {}, kSeconds},
      {"regent_command_batch_size", T::histogram, "commands decided together and appended in one batch", {}, kSizes},
      {"regent_command_batches_total", T::counter, "batches of commands appended", {}, {}},
      {"regent_command_batched_commands_total", T::counter, "commands appended in batches", {}, {}},
      {"regent_command_batches_fenced_total", T::counter,
       "batches refused because another writer's records came first (the partition moved)", {}, {}},
      {"regent_command_queue_depth", T::gauge, "commands waiting for their partition's writer", {"partition"}, {}},
      {"regent_commands_shed_total", T::counter, "commands refused at once because their partition's queue was full",
       {}, {}},
      {"regent_command_partition_owned", T::gauge, "1 where this instance writes the partition, 0 where it follows",
       {"partition"}, {}},
      {"regent_command_state_load_seconds", T::gauge, "time the last start took to load the command side's state",
       {}, {}},
      {"regent_command_state_load_events", T::gauge, "events replayed by the last start after its snapshots", {}, {}},
      {"regent_command_snapshots_total", T::counter, "snapshots of the command side's state saved", {}, {}},
      {"regent_command_reload_failures_total", T::counter,
       "times a partition's state could not be re-read from the log after a failed append", {}, {}},
      {"regent_idempotent_replays_total", T::counter, "commands answered from their Idempotency-Key's record", {}, {}},
      // The log
      {"regent_events_appended_total", T::counter, "events acknowledged by Kafka", {}, {}},
      {"regent_kafka_append_failures_total", T::counter, "appends Kafka did not acknowledge", {}, {}},
      // Queries
      {"regent_pg_queries_total", T::counter, "queries sent to Postgres by the API's query connections", {}, {}},
      {"regent_pg_query_round_trips_total", T::counter, "round trips of the API's query connections", {}, {}},
      {"regent_pg_query_wait_seconds", T::histogram,
       "time a query waited for a query connection before it was sent", {}, kSeconds},
      // The scheduler
      {"regent_scheduler_due", T::gauge, "approved permissions past their expiry found by the scheduler's last pass", {}, {}},
      {"regent_scheduler_expiries_total", T::counter,
       "expiries the scheduler sent: expired (recorded), settled (already expired, revoked or not due), failed",
       {"outcome"}, {}},
      {"regent_scheduler_passes_total", T::counter, "passes the scheduler completed (each reads what is due, and applies the audit retention)", {}, {}},
      {"regent_audit_pruned_total", T::counter, "audit entries the retention job deleted (REGENT_AUDIT_RETENTION_DAYS)", {}, {}},
      // Projections
      {"regent_projection_events_total", T::counter, "events applied to a read model, by projection", {"projection"},
       {}},
      {"regent_projection_failures_total", T::counter, "batches a projection failed to apply, by projection",
       {"projection"}, {}},
      {"regent_projection_parked_passed_total", T::counter,
       "events parked as dead letters and passed over, by projection", {"projection"}, {}},
      {"regent_projection_checkpoint", T::gauge, "the next offset a projection will apply", {"projection", "partition"},
       {}},
      {"regent_projection_log_end", T::gauge, "the partition's end offset as the projection last saw it",
       {"projection", "partition"}, {}},
      {"regent_projection_lag", T::gauge, "events of the partition the projection has not applied yet",
       {"projection", "partition"}, {}},
      {"regent_projection_lag_seconds", T::gauge,
       "while a projection is behind: the age of the last event it applied, or since its checkpoint last moved (0 when caught up)",
       {"projection", "partition"}, {}},
      {"regent_projection_skipped_invalid", T::gauge, "events a projection skipped as invalid",
       {"projection", "partition"}, {}},
      {"regent_projection_stalled", T::gauge, "1 while a projection is stopped at an event it cannot apply",
       {"projection", "partition"}, {}},
      {"regent_projection_partitions_assigned", T::gauge, "partitions this process projects", {}, {}},
      {"regent_projection_version", T::gauge, "the version of the projection that built the live read model",
       {"projection"}, {}},
  };
  return all;
}

struct Metrics::Impl {
  struct Series {
    const MetricInfo* info = nullptr;
    prometheus::Family<prometheus::Counter>* counters = nullptr;
    prometheus::Family<prometheus::Gauge>* gauges = nullptr;
    prometheus::Family<prometheus::Histogram>* histograms = nullptr;
    // Family::Add builds a new metric on every call and throws it away when the labels exist, so
    // each labelled metric is found once and kept here, by its label values.
    mutable std::shared_mutex mu;
    mutable std::unordered_map<std::string, void*> known;
  };
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::map<std::string_view, Series, std::less<>> series;

  const Series& find(std::string_view name, MetricType type, const Labels& labels) const {
    auto it = series.find(name);
    if (it == series.end()) throw std::logic_error("metric " + std::string(name) + " is not in the catalogue");
    const MetricInfo& info = *it->second.info;
    if (info.type != type) throw std::logic_error("metric " + std::string(name) + " has another type");
    bool same = labels.size() == info.labels.size();
    for (size_t i = 0; same && i < labels.size(); ++i) same = labels[i].first == info.labels[i];
    if (!same) throw std::logic_error("metric " + std::string(name) + " has other labels");
    return it->second;
  }
  static prometheus::Labels to_map(const Labels& labels) { return {labels.begin(), labels.end()}; }
  static std::string key(const Labels& labels) {
    std::string k;
    for (const auto& [name, value] : labels) k.append(value).push_back('\x1f');
    return k;
  }

  // The metric of `s` for these labels, made on first use.
  template <class M, class Make>
  static M& metric(const Series& s, const Labels& labels, Make make) {
    std::string k = key(labels);
    {
      std::shared_lock lock(s.mu);
      if (auto it = s.known.find(k); it != s.known.end()) return *static_cast<M*>(it->second);
    }
    std::unique_lock lock(s.mu);
    auto [it, fresh] = s.known.try_emplace(std::move(k), nullptr);
    if (fresh) it->second = &make(to_map(labels));
    return *static_cast<M*>(it->second);
  }
};

Metrics& Metrics::global() {
  static Metrics m;
  return m;
}

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {
  for (const auto& info : metric_catalogue()) {
    Impl::Series& s = impl_->series[info.name];
    s.info = &info;
    std::string name(info.name), help(info.help);
    switch (info.type) {
      case T::counter: s.counters = &prometheus::BuildCounter().Name(name).Help(help).Register(*impl_->registry); break;
      case T::gauge: s.gauges = &prometheus::BuildGauge().Name(name).Help(help).Register(*impl_->registry); break;
      case T::histogram:
        s.histograms = &prometheus::BuildHistogram().Name(name).Help(help).Register(*impl_->registry);
        break;
    }
  }
  gauge_set("regent_build_info", {{"version", kVersion}, {"commit", kCommit}}, 1);
}

Metrics::~Metrics() = default;

void Metrics::counter_add(std::string_view name, const Labels& labels, double v) {
  const auto& s = impl_->find(name, T::counter, labels);
  Impl::metric<prometheus::Counter>(s, labels, [&](const prometheus::Labels& l) -> auto& { return s.counters->Add(l); })
      .Increment(v);
}

void Metrics::gauge_set(std::string_view name, const Labels& labels, double v) {
  const auto& s = impl_->find(name, T::gauge, labels);
  Impl::metric<prometheus::Gauge>(s, labels, [&](const prometheus::Labels& l) -> auto& { return s.gauges->Add(l); })
      .Set(v);
}

void Metrics::histogram_observe(std::string_view name, const Labels& labels, double v) {
  const auto& s = impl_->find(name, T::histogram, labels);
  Impl::metric<prometheus::Histogram>(
      s, labels, [&](const prometheus::Labels& l) -> auto& { return s.histograms->Add(l, s.info->buckets); })
      .Observe(v);
}

void Metrics::remove(std::string_view name, const Labels& labels) {
  auto it = impl_->series.find(name);
  if (it == impl_->series.end()) return;
  const auto& s = it->second;
  std::unique_lock lock(s.mu);
  auto known = s.known.find(Impl::key(labels));
  if (known == s.known.end()) return;
  if (s.counters) s.counters->Remove(static_cast<prometheus::Counter*>(known->second));
  if (s.gauges) s.gauges->Remove(static_cast<prometheus::Gauge*>(known->second));
  if (s.histograms) s.histograms->Remove(static_cast<prometheus::Histogram*>(known->second));
  s.known.erase(known);
}

std::string Metrics::render() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->registry->Collect());
  return out.str();
}

}  // namespace regent::core
