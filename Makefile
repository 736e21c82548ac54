# swift-gmm build entry points. `make demo` and `make test` are the two set-up commands:
# both install OpenMP (Debian's libomp-dev) first when it is missing.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build test demo deps clean

all: build

# OpenMP runtime and headers. Package.swift enables OpenMP when it finds them.
deps:
	@if ! ls /usr/lib/llvm-*/lib/clang/*/include/omp.h >/dev/null 2>&1 \
	    || ! ls /usr/lib/*-linux-gnu/libomp5.so >/dev/null 2>&1; then \
	  echo "make: installing libomp-dev (OpenMP runtime)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $(SUDO) apt-get install -y -q libomp-dev \
	    || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q libomp-dev; }; \
	fi

build: deps
	$(SWIFT) build -c release

test: deps
	$(SWIFT) test

demo: build
	.build/release/gmm demo

clean:
	rm -rf .build
