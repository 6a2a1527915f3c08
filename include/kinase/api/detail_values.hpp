#pragma once
// Reading primal values and tangent lanes out of what a user's function returned (a Dual, a plain number, or a
// container of either), and writing them into plain containers. Internal to the API.
#include <cstddef>
#include <type_traits>

#include "kinase/api/containers.hpp"
#include "kinase/forward/dual.hpp"

namespace kinase::detail {

/// The part of a scalar result at one level: its primal when it is the engine's Dual D, itself when constant.
template <class D, class V>
constexpr auto scalar_primal(const V& v) {
  using S = typename D::value_type;
  if constexpr (std::is_same_v<V, D>)
    return v.primal;
  else
    return static_cast<S>(v);
}

/// Tangent lane `lane` of a scalar result: 0 for a result that does not depend on the active arguments.
template <class D, class V>
constexpr auto scalar_tangent(const V& v, std::size_t lane) {
  using S = typename D::value_type;
  if constexpr (std::is_same_v<V, D>)
    return v.tangent[lane];
  else
    return S(0);
}

template <class D, class R>
constexpr void check_result_type() {
  using S = typename D::value_type;
  if constexpr (Container<R>) {
    using E = typename container_traits<R>::element;
    static_assert(std::is_same_v<E, D> || std::is_convertible_v<E, S>,
                  "kinase: the function returns a container whose elements are neither the active scalar nor plain "
                  "numbers; write the function generically over its scalar type");
  } else {
    static_assert(std::is_same_v<R, D> || std::is_convertible_v<R, S>,
                  "kinase: the function returns a type Kinase cannot read derivatives from; return the active scalar, "
                  "a number, or a std::vector/std::array (or an Eigen object, with <kinase/eigen.hpp>) of them");
  }
}

/// The primal of a result: a scalar, or a container of the same shape holding plain values.
template <class D, class R>
auto result_primal(const R& r) {
  check_result_type<D, R>();
  using S = typename D::value_type;
  if constexpr (Container<R>) {
    using Tr = container_traits<R>;
    auto out = Tr::template make_like<S>(r);
    const std::size_t n = Tr::size(r);
    for (std::size_t i = 0; i < n; ++i) element_at(out, i) = scalar_primal<D>(element_at(r, i));
    return out;
  } else {
    return scalar_primal<D>(r);
  }
}

/// Tangent lane `lane` of a result, with the shape of the primal.
template <class D, class R>
auto result_tangent(const R& r, std::size_t lane) {
  using S = typename D::value_type;
  if constexpr (Container<R>) {
    using Tr = container_traits<R>;
    auto out = Tr::template make_like<S>(r);
    const std::size_t n = Tr::size(r);
    for (std::size_t i = 0; i < n; ++i) element_at(out, i) = scalar_tangent<D>(element_at(r, i), lane);
    return out;
  } else {
    return scalar_tangent<D>(r, lane);
  }
}

}  // namespace kinase::detail
