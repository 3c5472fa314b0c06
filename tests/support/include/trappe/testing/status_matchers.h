// GoogleTest helpers for Status and Result<T> that print the status on failure.
#pragma once

#include <gtest/gtest.h>

#include "trappe/common/status.h"

namespace trappe::testing {

inline const Status& GetStatus(const Status& s) { return s; }
template <typename T>
const Status& GetStatus(const Result<T>& r) {
  return r.status();
}

}  // namespace trappe::testing

#define ASSERT_OK(expr)                                                         \
  do {                                                                          \
    const auto& trappe_s_ = (expr);                                             \
    ASSERT_TRUE(::trappe::testing::GetStatus(trappe_s_).ok())                   \
        << #expr << " -> " << ::trappe::testing::GetStatus(trappe_s_).ToString(); \
  } while (false)

#define EXPECT_OK(expr)                                                         \
  do {                                                                          \
    const auto& trappe_s_ = (expr);                                             \
    EXPECT_TRUE(::trappe::testing::GetStatus(trappe_s_).ok())                   \
        << #expr << " -> " << ::trappe::testing::GetStatus(trappe_s_).ToString(); \
  } while (false)

// Asserts a Result is OK and moves its value into `lhs`.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(TRAPPE_STATUS_CONCAT(trappe_r_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)                     \
  auto tmp = (expr);                                                  \
  ASSERT_TRUE(tmp.ok()) << #expr << " -> " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()

// Expects a failure with the given StatusCode whose message contains `substr`.
#define EXPECT_STATUS(expr, expected_code, substr)                                         \
  do {                                                                                     \
    const auto& trappe_v_ = (expr); /* keeps a temporary Result alive */                    \
    const ::trappe::Status& trappe_s_ = ::trappe::testing::GetStatus(trappe_v_);            \
    EXPECT_EQ(trappe_s_.code(), expected_code) << trappe_s_.ToString();                    \
    EXPECT_NE(trappe_s_.message().find(substr), std::string::npos) << trappe_s_.ToString(); \
  } while (false)
