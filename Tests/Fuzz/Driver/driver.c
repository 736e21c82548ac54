#include "FuzzDriver.h"

#ifdef GMM_FUZZING
/* libFuzzer's entry for programs with their own main (LLVM >= 11). */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

int gmm_fuzz_run_driver(int argc, char **argv, gmm_fuzz_callback callback) {
    return LLVMFuzzerRunDriver(&argc, &argv, callback);
}
#else
int gmm_fuzz_run_driver(int argc, char **argv, gmm_fuzz_callback callback) {
    (void)argc;
    (void)argv;
    (void)callback;
    return -1;
}
#endif
