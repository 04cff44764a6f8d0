// The C consumer compiled as C++17: the header's extern "C" guards, types and macros must serve a
// C++ program exactly as they serve C (same checks, same output).
#include <type_traits>

#include "capi_consumer.c"

static_assert(std::is_standard_layout<pc_detection>::value, "pc_detection is standard-layout");
static_assert(std::is_trivially_copyable<pc_detection>::value, "pc_detection copies as bytes");
static_assert(std::is_standard_layout<pc_tensor>::value, "pc_tensor is standard-layout");
static_assert(std::is_standard_layout<pc_ring_stats>::value, "pc_ring_stats is standard-layout");
static_assert(std::is_same<decltype(&pc_detect),
                           int (*)(const pc_tensor *, uint32_t, const pc_detect_params *,
                                   pc_detection *, uint32_t, uint32_t *)>::value,
              "pc_detect has the documented signature");
