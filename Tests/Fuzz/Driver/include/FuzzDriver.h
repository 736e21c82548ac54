/* Entry into libFuzzer for the Swift fuzz targets (see Tests/Fuzz/Targets/Fuzz.swift). */
#ifndef GMM_FUZZ_DRIVER_H
#define GMM_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

typedef int (*gmm_fuzz_callback)(const uint8_t *data, size_t size);

/** Runs libFuzzer with the command line and callback; returns its exit code. In builds
 *  without GMM_FUZZING (no libFuzzer linked) it returns -1. */
int gmm_fuzz_run_driver(int argc, char **argv, gmm_fuzz_callback callback);

#endif
