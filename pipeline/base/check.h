// pipeline/base/check.h: TH_CHECK stops the process on a broken invariant (a bug, never bad
// input); TH_DCHECK does so only in debug builds.
#pragma once

#include <cstdio>
#include <cstdlib>

#define TH_CHECK(cond)                                                                 \
  do {                                                                                 \
    if (!(cond)) [[unlikely]] {                                                        \
      std::fprintf(stderr, "%s:%d: TH_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                    \
    }                                                                                  \
  } while (false)

#ifdef NDEBUG
#define TH_DCHECK(cond) \
  do {                  \
  } while (false)
#else
#define TH_DCHECK(cond) TH_CHECK(cond)
#endif
