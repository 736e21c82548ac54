// swift-tools-version: 6.1
import PackageDescription

// No unsafe flags: a package that depends on this one by version (`from: "0.1.0"`) must be able
// to, and SwiftPM refuses unsafeFlags in such dependencies. The kernels need none to compile:
// AVX2/FMA are enabled per function (target attributes) and OpenMP is optional (#ifdef _OPENMP,
// a serial path otherwise). The shipped build adds OpenMP and -O3 from the command line; the
// Makefile passes `-Xcc -fopenmp -Xcc -O3 -Xlinker -lomp5` to every swift command, and so can a
// consumer (see the README, "Swift").
let package = Package(
    name: "swift-gmm",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "GMM", targets: ["GMM"]),
        .executable(name: "gmm", targets: ["gmm"]),
        .executable(name: "gmm-bench", targets: ["gmm-bench"]),
        // The C ABI (Sources/GMMCAPI/include/gmm.h); `make lib` builds it as libgmm.so.
        .library(name: "GMMC", type: .dynamic, targets: ["GMMCAPI"]),
    ],
    // MPI (Open MPI, Debian's openmpi-bin and libopenmpi-dev): `swift build --traits MPI`
    // gives a `gmm` that fits one model across the ranks of `mpirun`. Default builds need no MPI.
    traits: [
        .trait(name: "MPI", description: "Fit across the ranks of an MPI job (needs libopenmpi-dev)."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(
            name: "CKernels",
            path: "CKernels",
            publicHeadersPath: "include",
            linkerSettings: [.linkedLibrary("m")]
        ),
        .target(name: "GMM", dependencies: ["CKernels"], path: "Sources/GMM"),
        .target(name: "GMMCAPI", dependencies: ["GMM"], path: "Sources/GMMCAPI", exclude: ["include", "gmm.map", "gmm.pc.in"]),
        // Benchmarks: kept out of the library's dependencies.
        .target(
            name: "BenchSupport",
            path: "Benchmarks/BenchSupport",
            publicHeadersPath: "include",
            linkerSettings: [.linkedLibrary("m")]
        ),
        .executableTarget(name: "gmm-bench", dependencies: ["GMM", "BenchSupport"], path: "Benchmarks/GMMBench"),
        .executableTarget(
            name: "gmm",
            dependencies: ["GMM", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .target(name: "CMPI", condition: .when(traits: ["MPI"]))],
            path: "Sources/gmm"
        ),
        // MPI's C API for Swift (a shim for its macros); built only with the MPI trait.
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "mpi", providers: [.apt(["libopenmpi-dev"])]),
        // Fuzz targets for the file parsers: a replayer in normal builds, a libFuzzer binary in
        // `make fuzz` (built with -sanitize=fuzzer,address -DFUZZING into .build-fuzz).
        .target(name: "FuzzDriver", path: "Tests/Fuzz/Driver", publicHeadersPath: "include"),
        .executableTarget(name: "gmm-fuzz", dependencies: ["GMM", "FuzzDriver"], path: "Tests/Fuzz/Targets"),
        .testTarget(
            name: "GMMTests",
            dependencies: ["GMM", "CKernels"],
            path: "Tests/GMMTests",
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["GMM", "gmm", "gmm-fuzz"],
            path: "Tests/CLITests",
            exclude: ["Fixtures"]
        ),
    ],
    cLanguageStandard: .c11
)
