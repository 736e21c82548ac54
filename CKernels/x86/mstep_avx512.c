/* AVX-512 shared-origin moments (gmm_moments_fn): the AVX2 kernels' arithmetic, 4 points
 * per vector, with tiles of 4 components instead of 2 in the 32 registers of AVX-512VL
 * (moments_simd.h): bit for bit the AVX2 kernels' statistics. */
#include "gmm_mstep.h"
#include "vmath_avx2.h"

#define M_CMAX 4
#define M_INLINE __attribute__((target("avx512f,avx512vl,avx2,fma"), always_inline)) static inline
#define GMM_TARGET_FN __attribute__((target("avx512f,avx512vl,avx2,fma")))
#define M_NAME(x) x##_avx512
#include "moments_simd.h"
