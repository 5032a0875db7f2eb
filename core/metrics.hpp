#pragma once
// Regent's Prometheus series, kept by prometheus-cpp (core only) and served on each role's own
// /metrics route. Every series is declared once, in the catalogue below, with its type, help and
// labels; updating a series the catalogue does not name, or with other labels, is a bug and throws
// std::logic_error. docs/operations.md lists the catalogue (a unit test holds the two together).
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace regent::core {

using Labels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { counter, gauge, histogram };

struct MetricInfo {
  std::string_view name;
  MetricType type;
  std::string_view help;
  std::vector<std::string_view> labels;  // their names, in this order
  std::vector<double> buckets;           // histograms: upper bounds
};

const std::vector<MetricInfo>& metric_catalogue();

class Metrics {
 public:
  static Metrics& global();
  Metrics();  // every series of the catalogue, none with a sample yet
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void counter_add(std::string_view name, const Labels& labels, double v = 1);
  void gauge_set(std::string_view name, const Labels& labels, double v);
  void histogram_observe(std::string_view name, const Labels& labels, double v);
  // Drops one series (a partition this process no longer works on, say).
  void remove(std::string_view name, const Labels& labels);

  // The text exposition format, version 0.0.4.
  std::string render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace regent::core
