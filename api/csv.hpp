#pragma once
// CSV as RFC 4180 writes it, for spreadsheets: a field with a comma, a quote or a line break is
// quoted (quotes doubled), rows end with CRLF, and a cell a spreadsheet would read as a formula
// (beginning with =, +, -, @, a tab or a carriage return) is neutralised with a leading quote.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace regent::api {

std::string csv_cell(std::string_view value);
// The cells joined by commas, CRLF at the end; nullopt is an empty cell.
std::string csv_row(const std::vector<std::optional<std::string>>& cells);

}  // namespace regent::api
