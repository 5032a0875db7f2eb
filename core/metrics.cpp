#include "core/metrics.hpp"

#include <sstream>

namespace regent::core {
namespace {
const std::vector<double> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                      0.1,    0.25,  0.5,    1,     2.5,  5,     10};

std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}
}  // namespace

Metrics& Metrics::global() {
  static Metrics m;
  return m;
}

std::string Metrics::key(const Labels& labels) {
  std::string k;
  for (const auto& [n, v] : labels) {
    k += k.empty() ? "" : ",";
    k += n + "=\"" + escape(v) + "\"";
  }
  return k;
}

void Metrics::describe(const std::string& name, const std::string& type, const std::string& help) {
  std::lock_guard lock(mu_);
  meta_[name] = {type, help};
}

void Metrics::counter_add(const std::string& name, const Labels& labels, double v) {
  std::lock_guard lock(mu_);
  values_[name][key(labels)] += v;
}

void Metrics::gauge_set(const std::string& name, const Labels& labels, double v) {
  std::lock_guard lock(mu_);
  values_[name][key(labels)] = v;
}

void Metrics::remove(const std::string& name, const Labels& labels) {
  std::lock_guard lock(mu_);
  if (auto it = values_.find(name); it != values_.end()) it->second.erase(key(labels));
}

void Metrics::histogram_observe(const std::string& name, const Labels& labels, double seconds) {
  std::lock_guard lock(mu_);
  auto& h = histograms_[name][key(labels)];
  if (h.buckets.empty()) h.buckets.assign(kBuckets.size(), 0);
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::ostringstream os;
  auto header = [&](const std::string& name, const char* fallback_type) {
    auto m = meta_.find(name);
    if (m != meta_.end()) {
      os << "# HELP " << name << " " << m->second.second << "\n# TYPE " << name << " "
         << m->second.first << "\n";
    } else {
      os << "# TYPE " << name << " " << fallback_type << "\n";
    }
  };
  for (const auto& [name, series] : values_) {
    header(name, "untyped");
    for (const auto& [k, v] : series) os << name << (k.empty() ? "" : "{" + k + "}") << " " << v << "\n";
  }
  for (const auto& [name, series] : histograms_) {
    header(name, "histogram");
    for (const auto& [k, h] : series) {
      std::string sep = k.empty() ? "" : ",";
      for (size_t i = 0; i < kBuckets.size(); ++i)
        os << name << "_bucket{" << k << sep << "le=\"" << kBuckets[i] << "\"} " << h.buckets[i] << "\n";
      os << name << "_bucket{" << k << sep << "le=\"+Inf\"} " << h.count << "\n";
      os << name << "_sum" << (k.empty() ? "" : "{" + k + "}") << " " << h.sum << "\n";
      os << name << "_count" << (k.empty() ? "" : "{" + k + "}") << " " << h.count << "\n";
    }
  }
  return os.str();
}

}  // namespace regent::core
