#pragma once
// Several `serve` instances (DESIGN.md decision 2): a tenant's requests are served by the instance
// that writes to the tenant's partition, because only it decides commands and only its state is
// current for authentication. Any other instance forwards the request there, once, and relays the
// answer; clients can send anything to any instance.
//
// The forwarded request says which client it comes from in a header signed with the shared
// REGENT_JWT_SECRET, so that the owner applies per-IP limits and records the real address, and a
// client cannot claim to be forwarded.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "api/http.hpp"

namespace regent::api {

struct Services;

class Forwarder {
 public:
  Forwarder(std::string secret, std::chrono::milliseconds timeout);
  ~Forwarder();

  // The answer of the instance at `base_url` (http://host:port) to `req`; nullopt when it could not
  // be reached or did not answer within the timeout.
  std::optional<Response> forward(const Request& req, const std::string& base_url);
  // The same exchange for a request of this process's own (the scheduler's): not marked as
  // forwarded, so the instance it reaches forwards it on to the owner if need be.
  std::optional<Response> send(const Request& req, const std::string& base_url);

  // On arrival: true when `req` was forwarded by another instance (its client's address is then
  // put back in place); a forwarding header that does not verify is dropped.
  bool accept(Request& req) const;

  // The Regent-Forwarded value `req` travels with: its client's address, signed with the request.
  std::string header_for(const Request& req) const;

 private:
  std::string signature(const Request& req, const std::string& client_ip) const;
  std::optional<Response> exchange(const Request& req, const std::string& base_url, bool as_forwarded);
  struct Pool;
  std::string secret_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Pool> pool_;
};

// Where a request belongs: the partition of the tenant it acts in, known without state (from the
// verified token's tenant, a super_admin's ?tenant= / Regent-Tenant, or a sign-up's or login's slug);
// nullopt for requests that belong to no tenant (health, metrics, documents, bad tokens).
std::optional<int32_t> request_partition(const Request& req, const Services& svc);

// The answer for a request this instance must not serve itself: forwarded to its partition's owner,
// or 503 when no owner is known or reachable. nullopt when it is served here.
std::optional<Response> serve_elsewhere(Request& req, Services& svc);

}  // namespace regent::api
