#pragma once
// Comma-separated lists ("256,2048", "original,pi"), the form list-valued fields take on the
// command line and in config files.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ropescale {

// The items between commas, in order, without trimming; "" gives one empty item, "a," gives
// {"a", ""}. Callers check the items.
std::vector<std::string> SplitCommaList(std::string_view text);

// Items parsed as integers (each must be a whole integer in [min_value, max_value]); throws
// Error naming `field` and the offending item.
std::vector<int64_t> ParseIntegerList(std::string_view text, std::string_view field,
                                      int64_t min_value, int64_t max_value);

// Items parsed as finite doubles in [min_value, max_value]; throws Error naming `field`.
std::vector<double> ParseNumberList(std::string_view text, std::string_view field, double min_value,
                                    double max_value);

}  // namespace ropescale
