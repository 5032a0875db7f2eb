#include "api/row_json.hpp"

#include "core/json.hpp"

namespace regent::api {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  size_t plain = 0;  // the start of the run of bytes copied as they are
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.substr(plain, i - plain));
    plain = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 15]);
    }
  }
  out.append(s.substr(plain));
  out.push_back('"');
}

void append_rfc3339(std::string& out, std::string_view t) {
  // YYYY-MM-DD HH:MM:SS[.f...]+00
  out.push_back('"');
  if (t.size() < 19) {  // not Postgres's ISO output: kept as it is rather than mangled
    out.append(t);
    out.push_back('"');
    return;
  }
  out.append(t.substr(0, 10));
  out.push_back('T');
  out.append(t.substr(11, 8));
  out.push_back('.');
  size_t i = 19, digits = 0;
  if (i < t.size() && t[i] == '.')
    for (++i; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i)
      if (digits < 3) out.push_back(t[i]), ++digits;
  for (; digits < 3; ++digits) out.push_back('0');
  out += "Z\"";
}

void append_row_json(std::string& out, const core::PgRows& rows, int row, int first, std::span<const Field> fields) {
  out.push_back('{');
  int column = first;
  for (const auto& f : fields) {
    if (column != first) out.push_back(',');
    out.push_back('"');
    out.append(f.name);
    out += "\":";
    if (rows.null(row, column)) {
      out += "null";
    } else {
      std::string_view v = rows.text(row, column);
      switch (f.kind) {
        case Column::text: append_json_string(out, v); break;
        case Column::number: out.append(v); break;
        case Column::json: out += core::compact_json(v); break;
        case Column::time: append_rfc3339(out, v); break;
      }
    }
    ++column;
  }
  out.push_back('}');
}

std::string row_json(const core::PgRows& rows, int row, int first, std::span<const Field> fields) {
  std::string out;
  out.reserve(64 * fields.size());
  append_row_json(out, rows, row, first, fields);
  return out;
}

}  // namespace regent::api
