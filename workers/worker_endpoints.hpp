#pragma once
// What every worker process answers on its own port, for its orchestrator and its scraper:
// /healthz, /metrics, and /readyz as the worker judges it; anything else is a 404 naming these.
#include <functional>
#include <string>
#include <string_view>

#include "api/http.hpp"

namespace regent::workers {

struct Readiness {
  bool ready = false;
  std::string body;  // JSON: {"status": ..., "checks": {...}, ...}
};

// `role` names the worker in the 404 ("a projections worker").
api::Response worker_endpoint(const api::Request& req, std::string_view role, const std::function<Readiness()>& readiness);

}  // namespace regent::workers
