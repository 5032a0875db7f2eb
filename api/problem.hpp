#pragma once
// RFC 9457 problem responses: the one table from error code to HTTP status and title.
#include <string>
#include <vector>

#include "api/http.hpp"
#include "core/errc.hpp"

namespace regent::api {

struct ProblemKind {
  int status;
  const char* title;
};

ProblemKind problem_kind(core::errc code);

Response problem(const core::Error& error, const std::string& request_id);
Response problem(core::errc code, std::string detail, const std::string& request_id);

}  // namespace regent::api
