import ArgumentParser

@main
struct GMMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gmm",
        abstract: "Fit Gaussian mixture models by EM with vectorized, multithreaded kernels.",
        subcommands: [Demo.self])
}
