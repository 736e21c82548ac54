import ArgumentParser
import Foundation
import GMM

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Label each row with its most probable component (and optionally write the responsibilities).",
        discussion: """
        The data are streamed in blocks of 65536 rows: memory beyond the outputs stays O(block x K).

        Example:
          gmm predict model.json X.npy -o labels.npy --proba proba.npy
        """)

    @Argument(help: "Model (JSON).") var model: String
    @Argument(help: "Data file (.npy, .csv, or - for CSV on stdin).") var data: String
    @Option(name: .short, help: "Labels output (.npy int64 or .csv).") var output: String
    @Option(help: "Responsibilities output, N x K (.npy or .csv).") var proba: String?
    @Option(parsing: .unconditional, help: "Threads (default: OMP_NUM_THREADS or all cores).") var threads: String?

    func run() throws {
        let threads = try OptionValue.threads(threads)
        try checkDistinct(inputs: [("the model argument", model), ("the data argument", data)], outputs: [("-o", output), ("--proba", proba)])
        var fitted = try ModelFile.readAny(model)
        fitted.threads = threads
        try checkWritable(output)
        try checkWritable(proba)
        let X = try loadData(data)
        try checkEvaluable(X, data, fitted, model)
        let labelWriter = try ArrayWriter(path: output, rows: X.rows, columns: nil, element: .int64)
        let probaWriter = try proba.map { try ArrayWriter(path: $0, rows: X.rows, columns: fitted.components, element: X.outputElement) }
        for start in stride(from: 0, to: X.rows, by: streamChunkRows) {
            try Interruption.check()
            let rows = X.rows(start..<min(X.rows, start + streamChunkRows))
            if let probaWriter {
                let P = try naming(data) { try fitted.predictProbabilities(rows) }
                let K = P.columns
                try P.withUnsafeBufferPointer { p in
                    try probaWriter.append(p)
                    try labelWriter.append(labels: (0..<P.rows).map { r in
                        Int32((0..<K).max { p[r * K + $0] < p[r * K + $1] }!)  // first maximum, as argmax
                    })
                }
            } else {
                try labelWriter.append(labels: try naming(data) { try fitted.predict(rows) })
            }
        }
        try probaWriter?.commit()
        try labelWriter.commit()
    }
}

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mean log-likelihood, BIC and AIC of a model on data.",
        discussion: """
        Example:
          gmm score model.json X.npy --per-sample logp.npy --json
        """)

    @Argument(help: "Model (JSON).") var model: String
    @Argument(help: "Data file (.npy, .csv, or - for CSV on stdin).") var data: String
    @Option(help: "Write each row's log-likelihood (.npy or .csv).") var perSample: String?
    @Flag(help: "Print a JSON object instead of text.") var json = false
    @Option(parsing: .unconditional, help: "Threads (default: OMP_NUM_THREADS or all cores).") var threads: String?

    func run() throws {
        let threads = try OptionValue.threads(threads)
        try checkDistinct(inputs: [("the model argument", model), ("the data argument", data)], outputs: [("--per-sample", perSample)])
        var fitted = try ModelFile.readAny(model)
        fitted.threads = threads
        try checkWritable(perSample)
        let X = try loadData(data)
        try checkEvaluable(X, data, fitted, model)
        let score: Double
        if let perSample {
            let writer = try ArrayWriter(path: perSample, rows: X.rows, columns: nil, element: X.outputElement)
            for start in stride(from: 0, to: X.rows, by: streamChunkRows) {
                try Interruption.check()
                let s = try naming(data) { try fitted.scoreSamples(X.rows(start..<min(X.rows, start + streamChunkRows))) }
                try s.withUnsafeBufferPointer { try writer.append($0) }
            }
            // The mean from one pass, as without --per-sample (summing the chunks would differ
            // in the last bits).
            score = try naming(data) { try fitted.score(X) }
            try writer.commit()
        } else {
            score = try naming(data) { try fitted.score(X) }
        }
        let bic = fitted.criterion(.bic, score: score, rows: X.rows)
        let aic = fitted.criterion(.aic, score: score, rows: X.rows)
        if json {
            print("{\"n_samples\": \(X.rows), \"score\": \(score), \"bic\": \(bic), \"aic\": \(aic)}")
        } else {
            print("""
            samples              \(X.rows)
            mean log-likelihood  \(score)
            BIC                  \(bic)
            AIC                  \(aic)
            """)
        }
    }
}

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw seeded samples from a model.",
        discussion: """
        Example:
          gmm sample model.json -n 100000 --seed 3 -o samples.npy --labels components.npy
        """)

    @Argument(help: "Model (JSON).") var model: String
    @Option(name: .short, parsing: .unconditional, help: "Number of samples.") var n: String
    @Option(parsing: .unconditional, help: "Random seed.") var seed = "0"
    @Option(name: .short, help: "Samples output, n x d (.npy or .csv).") var output: String
    @Option(help: "Component of each sample (.npy or .csv).") var labels: String?

    func run() throws {
        // scikit-learn's text (which prints n_components where it means n_samples).
        guard let n = Int(self.n.trimmingCharacters(in: .whitespaces)), n >= 1 else {
            throw CommandError("-n: Invalid value for 'n_samples': \(self.n) . The sampling requires at least one sample.")
        }
        let seed = try OptionValue.seed(self.seed)
        try checkDistinct(inputs: [("the model argument", model)], outputs: [("-o", output), ("--labels", labels)])
        try checkWritable(output)
        try checkWritable(labels)
        let fitted = try ModelFile.readAny(model)
        let points = try ArrayWriter(path: output, rows: n, columns: fitted.features)
        let labelWriter = try labels.map { try ArrayWriter(path: $0, rows: n, columns: nil, element: .int64) }
        if let gaussian = fitted as? FittedGaussianMixture {
            try gaussian.parameters.sampleChunks(n, seed: seed) { _, _, x, l in
                try Interruption.check()
                try points.append(x)
                try labelWriter?.append(labels: Array(l))
            }
        } else if let discrete = fitted as? FittedDiscreteMixture {
            let (x, l) = try discrete.sample(n, seed: seed)
            try x.withUnsafeBufferPointer { try points.append($0) }
            try labelWriter?.append(labels: l)
        }
        try labelWriter?.commit()
        try points.commit()
    }
}
