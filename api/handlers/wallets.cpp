#include <charconv>
#include <type_traits>

#include "api/handlers/handlers.hpp"
#include "api/personal.hpp"
#include "api/problem.hpp"
#include "api/query_params.hpp"
#include "api/support.hpp"
#include "api/wallet_queries.hpp"
#include "commands/validation.hpp"

namespace regent::api::handlers {
namespace {

// A credit or a debit: the same request, the same checks, a different command.
template <class Command>
Response move_money(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  constexpr bool credit = std::is_same_v<Command, commands::CreditWallet>;
  // Whether the caller may at all; whose wallet it may touch is decided once the user is found (an
  // id of another tenant is 404, never 403).
  if (!p->may(credit ? commands::Action::credit_wallet : commands::Action::debit_wallet))
    return forbidden(ctx, credit ? "crediting a wallet needs the admin role or the wallets:write scope"
                                 : "debiting a wallet needs a role or the wallets:write scope");
  auto body = json_body(ctx.req);
  if (!body) return problem(body.error(), ctx.rid());
  auto in = commands::parse_wallet_movement(body.value()->root());
  if (!in) return problem(in.error(), ctx.rid());
  auto expected = if_match(ctx.req);
  if (!expected) return problem(expected.error(), ctx.rid());
  auto cctx = command_context(ctx, &p.value(), p->tenant.value);
  if (!cctx) return problem(cctx.error(), ctx.rid());

  Command cmd;
  cmd.tenant_id = p->tenant;
  cmd.user_id = core::UserId{ctx.params["id"]};
  cmd.transaction_id = core::uuid_v7();
  cmd.amount = in->amount;
  cmd.reference = in->reference;
  cmd.description = in->description;
  cmd.expected_version = expected.value();
  // A description is sealed under the wallet's owner's key.
  if (!cmd.description.empty())
    fetch_data_key(ctx.svc, cmd.tenant_id, cmd.user_id);
  auto& proc = ctx.svc.processor;
  auto done = proc.submit(proc.partition_of(cmd.tenant_id), cmd, cctx.value());
  if (!done) return problem(done.error(), ctx.rid());
  return committed_response(201, transaction_json(ctx.svc, done->events.back()), done.value());
}

// A transactions cursor is a wallet version: 2 or more (1 is the opening, with no transaction).
bool wallet_version(std::string_view key) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), v);
  return ec == std::errc{} && end == key.data() + key.size() && v >= 2;
}

bool may_read_wallet(const Principal& p, const std::string& user_id) {
  return p.may(commands::Action::read_users) || (p.may(commands::Action::read_own) && user_id == p.user_id.value);
}
}  // namespace

Response credit_wallet(Ctx& ctx) { return move_money<commands::CreditWallet>(ctx); }
Response debit_wallet(Ctx& ctx) { return move_money<commands::DebitWallet>(ctx); }

Response get_wallet(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  const std::string& id = ctx.params["id"];
  if (!may_read_wallet(*p, id))
    return problem(core::errc::forbidden, "reading another user's wallet needs the admin, manager or analyst role", ctx.rid());
  if (auto wait = await_position(ctx, {"wallets"})) return *wait;
  auto wallet = find_wallet(ctx.svc.queries, p->tenant, id);
  if (!wallet) return problem(core::errc::not_found, "no such user", ctx.rid());
  return json_response(200, *wallet);
}

Response list_transactions(Ctx& ctx) {
  auto p = authenticate(ctx);
  if (!p) return problem(p.error(), ctx.rid());
  const std::string& id = ctx.params["id"];
  if (!may_read_wallet(*p, id))
    return problem(core::errc::forbidden, "reading another user's wallet needs the admin, manager or analyst role", ctx.rid());
  QueryParams q(ctx.req);
  int limit = q.limit();
  int64_t before = 0;
  if (auto key = q.cursor('t', wallet_version)) std::from_chars(key->data(), key->data() + key->size(), before);
  if (auto done = q.finish(); !done) return problem(done.error(), ctx.rid());
  if (auto wait = await_position(ctx, {"wallets"})) return *wait;
  if (!find_wallet(ctx.svc.queries, p->tenant, id)) return problem(core::errc::not_found, "no such user", ctx.rid());
  auto page = api::list_transactions(ctx.svc.queries, p->tenant, id, before, limit);
  return json_response(200, page_json(page.items, 't', page.next_key));
}

}  // namespace regent::api::handlers
