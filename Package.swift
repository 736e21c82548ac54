// swift-tools-version: 6.1
import Foundation
import PackageDescription

// OpenMP: the shipped build links Debian's libomp (LLVM 14). `make` installs libomp-dev when
// omp.h is missing; without it (or with GMM_SERIAL=1) the kernels build their serial path.
let ompInclude: String? = {
    if ProcessInfo.processInfo.environment["GMM_SERIAL"] == "1" { return nil }
    let fm = FileManager.default
    let root = "/usr/lib"
    let llvms = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).filter { $0.hasPrefix("llvm-") }.sorted()
    for llvm in llvms.reversed() {
        let clangDir = "\(root)/\(llvm)/lib/clang"
        for version in ((try? fm.contentsOfDirectory(atPath: clangDir)) ?? []).sorted().reversed() {
            let include = "\(clangDir)/\(version)/include"
            if fm.fileExists(atPath: "\(include)/omp.h") { return include }
        }
    }
    return nil
}()
let hasLibOMP = FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/libomp5.so")
    || FileManager.default.fileExists(atPath: "/usr/lib/aarch64-linux-gnu/libomp5.so")
let useOpenMP = ompInclude != nil && hasLibOMP

// Kernels are always optimized, even in debug builds, so tests run the code we ship.
var kernelFlags = ["-O3", "-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter"]
var kernelLinker: [LinkerSetting] = [.linkedLibrary("m")]
if let include = ompInclude, useOpenMP {
    // -idirafter, not -I: that folder also holds clang 14's intrinsics headers.
    kernelFlags += ["-fopenmp", "-idirafter", include]
    kernelLinker.append(.linkedLibrary("omp5"))
}

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
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(
            name: "CKernels",
            path: "CKernels",
            publicHeadersPath: "include",
            cSettings: [.unsafeFlags(kernelFlags)],
            linkerSettings: kernelLinker
        ),
        .target(name: "GMM", dependencies: ["CKernels"], path: "Sources/GMM"),
        .target(name: "GMMCAPI", dependencies: ["GMM"], path: "Sources/GMMCAPI", exclude: ["include", "gmm.map", "gmm.pc.in"]),
        // Benchmarks: kept out of the library's dependencies.
        .target(
            name: "BenchSupport",
            path: "Benchmarks/BenchSupport",
            publicHeadersPath: "include",
            cSettings: [.unsafeFlags(kernelFlags)],
            linkerSettings: kernelLinker
        ),
        .executableTarget(name: "gmm-bench", dependencies: ["GMM", "BenchSupport"], path: "Benchmarks/GMMBench"),
        .executableTarget(
            name: "gmm",
            dependencies: ["GMM", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/gmm"
        ),
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
    ]
)
