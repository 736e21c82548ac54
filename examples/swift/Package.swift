// swift-tools-version: 6.1
// A package that uses swift-gmm the ordinary way: a dependency on a tagged release.
//
// Build it as swift-gmm's own Makefile builds (OpenMP threads and -O3 kernels):
//     swift build -c release -Xcc -fopenmp -Xcc -O3 -Xlinker -lomp5
// Plain `swift build -c release` also works: the same kernels, single-threaded, at SwiftPM's
// default C optimization level.
//
// SWIFT_GMM_URL overrides where the dependency comes from (`make swift-consumer` points it at a
// tagged copy of the checkout under test).
import PackageDescription

let gmmURL = Context.environment["SWIFT_GMM_URL"] ?? "https://github.com/swift-gmm/swift-gmm.git"

let package = Package(
    name: "gmm-consumer",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(url: gmmURL, from: "0.1.0"),
    ],
    targets: [
        .executableTarget(
            name: "gmm-consumer",
            dependencies: [.product(name: "GMM", package: "swift-gmm")]
        ),
    ]
)
