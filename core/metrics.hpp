#pragma once
// A small Prometheus registry: labelled counters, gauges and histograms, rendered as text.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace regent::core {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  static Metrics& global();

  void counter_add(const std::string& name, const Labels& labels, double v = 1);
  void gauge_set(const std::string& name, const Labels& labels, double v);
  // Drops one series (a partition this process no longer works on, say).
  void remove(const std::string& name, const Labels& labels);
  void histogram_observe(const std::string& name, const Labels& labels, double seconds);
  void describe(const std::string& name, const std::string& type, const std::string& help);

  std::string render() const;

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;
    uint64_t count = 0;
    double sum = 0;
  };
  static std::string key(const Labels& labels);
  mutable std::mutex mu_;
  std::map<std::string, std::pair<std::string, std::string>> meta_;  // name -> (type, help)
  std::map<std::string, std::map<std::string, double>> values_;
  std::map<std::string, std::map<std::string, Histogram>> histograms_;
};

}  // namespace regent::core
