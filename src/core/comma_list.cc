#include "src/core/comma_list.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "src/core/error.h"

namespace ropescale {

std::vector<std::string> SplitCommaList(std::string_view text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) {
      items.emplace_back(text.substr(start));
      return items;
    }
    items.emplace_back(text.substr(start, comma - start));
    start = comma + 1;
  }
}

std::vector<int64_t> ParseIntegerList(std::string_view text, std::string_view field,
                                      int64_t min_value, int64_t max_value) {
  std::vector<int64_t> values;
  for (const std::string& item : SplitCommaList(text)) {
    char* end = nullptr;
    errno = 0;
    const long long value = std::strtoll(item.c_str(), &end, 10);
    Check(!item.empty() && end == item.c_str() + item.size() && errno == 0,
          "{}: '{}' is not an integer", field, item);
    Check(value >= min_value && value <= max_value, "{}: {} is outside [{}, {}]", field, value,
          min_value, max_value);
    values.push_back(value);
  }
  return values;
}

std::vector<double> ParseNumberList(std::string_view text, std::string_view field, double min_value,
                                    double max_value) {
  std::vector<double> values;
  for (const std::string& item : SplitCommaList(text)) {
    char* end = nullptr;
    const double value = std::strtod(item.c_str(), &end);
    Check(!item.empty() && end == item.c_str() + item.size() && std::isfinite(value),
          "{}: '{}' is not a number", field, item);
    Check(value >= min_value && value <= max_value, "{}: {} is outside [{}, {}]", field, value,
          min_value, max_value);
    values.push_back(value);
  }
  return values;
}

}  // namespace ropescale
