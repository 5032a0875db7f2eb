#include "api/csv.hpp"

namespace regent::api {

std::string csv_cell(std::string_view value) {
  std::string v;
  if (!value.empty() && std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos) v = "'";
  v += value;
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string quoted = "\"";
  for (char c : v) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

std::string csv_row(const std::vector<std::optional<std::string>>& cells) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    if (cells[i]) out += csv_cell(*cells[i]);
  }
  return out + "\r\n";
}

}  // namespace regent::api
