#pragma once
// The bounds on money. One amount is at most 10^12 minor units and one balance at most 10^15, so
// no sum of a balance and an amount can come near int64's limit (9.2 * 10^18) and every figure
// stays below 2^53, exact in every JSON client. Amounts outside are refused (422), never wrapped.
#include <cstdint>
#include <string_view>

namespace regent::commands {

inline constexpr int64_t kMaxAmount = 1'000'000'000'000;
inline constexpr int64_t kMaxBalance = 1'000'000'000'000'000;

// Lifetime sums (all credits of a tenant, ever) are not bounded by the above: 128 bits.
__extension__ typedef __int128 BigSum;

// ISO 4217 codes in current use (funds and precious metals excluded).
bool is_currency(std::string_view code);

}  // namespace regent::commands
