#pragma once
// Modes of `autodiff` (Enzyme's vocabulary). A mode is a tag object passed first.
#include <type_traits>

namespace kinase {

/// Forward mode: propagate tangents from the arguments to the result; the primal is returned only where the return
/// activity asks for it (`Duplicated`, `BatchDuplicated`).
struct ForwardMode {
  static constexpr bool with_primal = false;
};
/// Forward mode that always returns the primal too, whatever the return activity.
struct ForwardWithPrimalMode {
  static constexpr bool with_primal = true;
};

inline constexpr ForwardMode Forward{};
inline constexpr ForwardWithPrimalMode ForwardWithPrimal{};

/// Reverse mode: record the function on a tape, seed the result's adjoint, sweep back; derivatives of Active
/// arguments are returned and those of Duplicated arguments added into their shadows.
struct ReverseMode {
  static constexpr bool with_primal = false;
};
/// Reverse mode that returns the primal result too.
struct ReverseWithPrimalMode {
  static constexpr bool with_primal = true;
};

inline constexpr ReverseMode Reverse{};
inline constexpr ReverseWithPrimalMode ReverseWithPrimal{};

template <class M>
concept ReverseModeTag = std::is_same_v<std::remove_cvref_t<M>, ReverseMode> ||
    std::is_same_v<std::remove_cvref_t<M>, ReverseWithPrimalMode>;

template <class M>
concept ForwardModeTag = std::is_same_v<std::remove_cvref_t<M>, ForwardMode> ||
    std::is_same_v<std::remove_cvref_t<M>, ForwardWithPrimalMode>;

}  // namespace kinase
