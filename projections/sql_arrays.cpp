#include "projections/sql_arrays.hpp"

namespace regent::projections {

void PgArray::add(std::optional<std::string_view> value) {
  if (count_++) out_ += ',';
  if (!value) {
    out_ += "NULL";
    return;
  }
  out_ += '"';
  for (char c : *value) {
    if (c == '"' || c == '\\') out_ += '\\';
    out_ += c;
  }
  out_ += '"';
}

}  // namespace regent::projections
