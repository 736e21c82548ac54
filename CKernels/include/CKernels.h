/* Umbrella header for swift-gmm's C kernels. Deliberately free of omp.h and immintrin.h:
 * Swift imports this, and ISA details stay inside the .c files. */
#ifndef GMM_CKERNELS_H
#define GMM_CKERNELS_H
#include "gmm_types.h"
#include "gmm_estep.h"
#include "gmm_mstep.h"
#include "gmm_layout.h"
#include "gmm_f32.h"
#include "gmm_linear.h"
#include "gmm_trunc.h"
#include "gmm_linalg.h"
#include "gmm_dispatch.h"
#include "gmm_driver.h"
#endif
