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

// The status is copied: `expr` may be e.g. `F().status()`, a reference into a temporary.
#define ASSERT_OK(expr)                                                            \
  do {                                                                             \
    const ::trappe::Status trappe_s_ = ::trappe::testing::GetStatus((expr));       \
    ASSERT_TRUE(trappe_s_.ok()) << #expr << " -> " << trappe_s_.ToString();        \
  } while (false)

#define EXPECT_OK(expr)                                                            \
  do {                                                                             \
    const ::trappe::Status trappe_s_ = ::trappe::testing::GetStatus((expr));       \
    EXPECT_TRUE(trappe_s_.ok()) << #expr << " -> " << trappe_s_.ToString();        \
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
    const ::trappe::Status trappe_s_ = ::trappe::testing::GetStatus((expr));                \
    EXPECT_EQ(trappe_s_.code(), expected_code) << trappe_s_.ToString();                    \
    EXPECT_NE(trappe_s_.message().find(substr), std::string::npos) << trappe_s_.ToString(); \
  } while (false)
