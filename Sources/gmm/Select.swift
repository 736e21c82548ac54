import ArgumentParser
import Foundation
import GMM

struct Select: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a grid of component counts and covariance types and rank them by BIC or AIC.",
        discussion: """
        The data are loaded once. Prints the ranked table; saves the best model.

        Example:
          gmm select X.npy -k 1...10 --covariance full,diag --criterion bic -o best.json
        """)

    @Argument(help: "Data file (.npy, .csv, or - for CSV on stdin); or give --shards.") var data: String?
    @Option(help: "Instead of a data file: .npy files read, in byte order of their names, as one dataset (a quoted glob pattern such as 'part-*.npy'; see gmm fit --shards).")
    var shards: String?
    @Option(name: .short, parsing: .unconditional, help: "Component counts: 4, 1...10, 2-6 or 2,4,8.") var k: String
    @Option(help: "Component family: gaussian, bernoulli, categorical or poisson (see gmm fit --family).") var family = "gaussian"
    @Option(help: "Covariance types: a comma-separated list of full, diag, tied, spherical, or all.") var covariance = "full"
    @Option(help: "Ranking criterion: bic or aic.") var criterion = "bic"
    @Option(parsing: .unconditional, help: "Convergence threshold.") var tol = "1e-3"
    @Option(parsing: .unconditional, help: "Maximum EM iterations per fit.") var maxIter = "100"
    @Option(parsing: .unconditional, help: "Initializations per fit.") var nInit = "1"
    @Option(parsing: .unconditional, help: "Added to the covariance diagonals.") var regCovar = "1e-6"
    @Option(parsing: .unconditional, help: "Bernoulli, categorical, Poisson: the prior's pseudo-count (0: maximum likelihood).") var pseudoCount = "1e-6"
    @Option(help: "Categorical: categories per feature, e.g. 3,2,5 (default: each column's largest code + 1).") var categories: String?
    @Option(parsing: .unconditional, help: "Random seed.") var seed = "0"
    @Option(parsing: .unconditional, help: "Threads (default: OMP_NUM_THREADS or all cores).") var threads: String?
    @Option(parsing: .unconditional, help: "Truncated EM for large K: per point, drop components whose responsibility is below TAU times the largest (proven from partial distances, not evaluated in full), e.g. 1e-8 (default: exact EM).") var truncate: String?
    @Option(name: .short, help: "Best model output (JSON).") var output: String
    @Option(help: "Also draw the criterion against K, one line per covariance type (or family), the chosen model marked (SVG).")
    var plot: String?
    @Option(help: "Also write every candidate's K, type, criterion, log-likelihood, free parameters, iterations, convergence and flags (.csv or .json).")
    var table: String?
    @Flag(help: "Rank by the criterion alone (by default candidates with a component only reg_covar holds up rank after the regular ones).")
    var plainRanking = false
    @Flag(name: .shortAndLong, help: "No progress output.") var quiet = false

    func run() throws {
        guard let family = MixtureFamily(rawValue: family.lowercased()) else {
            throw CommandError("--family: '\(self.family)' is not one of gaussian, bernoulli, categorical, poisson")
        }
        let grid = try parseComponents(k)
        let types = covariance.lowercased() == "all"
            ? CovarianceType.allCases
            : try covariance.split(separator: ",").map { try parseCovariance(String($0)) }
        guard let rank = SelectionCriterion(rawValue: criterion.lowercased()) else {
            throw CommandError("--criterion: '\(criterion)' is not one of bic, aic")
        }
        let tol = try OptionValue.float(self.tol, option: "--tol", parameter: "tol")
        let regCovar = try OptionValue.float(self.regCovar, option: "--reg-covar", parameter: "reg_covar")
        let maxIter = try OptionValue.int(self.maxIter, option: "--max-iter", parameter: "max_iter", minimum: 0)
        let nInit = try OptionValue.int(self.nInit, option: "--n-init", parameter: "n_init", minimum: 1)
        let seed = try OptionValue.seed(self.seed)
        let threads = try OptionValue.threads(self.threads)
        let truncation = try OptionValue.truncation(truncate)
        let input = try DataInput(data: data, shards: shards)
        if let plot, !plot.lowercased().hasSuffix(".svg") { throw CommandError("--plot: \(plot): the plot must be an .svg file") }
        if let table, !(table.lowercased().hasSuffix(".csv") || table.lowercased().hasSuffix(".json")) {
            throw CommandError("--table: \(table): the table must be a .csv or .json file")
        }
        try checkDistinct(inputs: input.inputs, outputs: [("-o", output), ("--plot", plot), ("--table", table)])
        try checkWritable(output)
        for path in [plot, table].compactMap({ $0 }) { try checkWritable(path) }
        let X = try input.load()
        if let tooMany = grid.first(where: { $0 > X.rows }) {  // refused up front (a grid may be huge)
            throw CommandError("\(input.label): \(GaussianMixtureError.tooFewSamples(samples: X.rows, components: tooMany))")
        }
        var gm = GaussianMixture(tolerance: tol, regCovar: regCovar, maxIterations: maxIter, initializations: nInit,
                                 seed: seed, threads: threads)
        gm.truncation = truncation
        gm.distribution = Cluster.distribution  // under mpirun: every fit split across the ranks
        let quiet = self.quiet || !Cluster.isRoot  // rank 0 reports and writes
        let report: (SelectionCandidate) -> Void = { c in
            if quiet { return }
            let value = c.value.map { String(format: "%.3f", $0) } ?? "failed"
            let held = c.holds.isEmpty ? "" : " (held up by reg_covar: \(c.holds.map(\.description).joined(separator: "; ")))"
            printError("gmm: K=\(c.components) \(c.kind): \(rank.rawValue.uppercased()) \(value)\(held)")
        }
        if family != .gaussian {
            guard covariance == "full" else { throw CommandError("--covariance: applies to Gaussian mixtures (this selection is --family \(family.rawValue))") }
            guard self.regCovar == "1e-6" else { throw CommandError("--reg-covar: applies to Gaussian mixtures (--family \(family.rawValue) takes --pseudo-count)") }
            guard truncate == nil else { throw CommandError("--truncate: applies to Gaussian mixtures (this selection is --family \(family.rawValue))") }
            let alpha = try OptionValue.float(pseudoCount, option: "--pseudo-count", parameter: "pseudo_count")
            let declared = try parseCategories(categories, family: family)
            var dm = DiscreteMixture(family: family, categories: declared, pseudoCount: alpha, tolerance: tol, maxIterations: maxIter,
                                     initializations: nInit, seed: seed, threads: threads)
            dm.distribution = Cluster.distribution
            let monitor = MixtureFitMonitor<DiscreteMixtureParameters>(shouldStop: { Cluster.pendingSignal != 0 })
            let selection: DiscreteModelSelection = try input.named {
                switch X {
                case .float64(let m): return try dm.select(m, components: grid, criterion: rank, monitor: monitor, progress: report)
                case .float32(let m): return try dm.select(m, components: grid, criterion: rank, monitor: monitor, progress: report)
                }
            }
            guard Cluster.isRoot else { return }
            printRanking(selection.ranking, rank)
            try writeExtras(selection.ranking, rank, best: selection.ranking.firstIndex { $0.value != nil }, dataName: input.label)
            try ModelFile.write(selection.best, settings: ModelFile.Settings(tol: tol, regCovar: alpha, maxIter: maxIter, nInit: nInit,
                                                                             initMethod: "kmeans", seed: seed), to: output)
            if !quiet { printError("gmm: best: K=\(selection.best.components) \(family.rawValue), written to \(output)") }
            return
        }
        guard pseudoCount == "1e-6", categories == nil else {
            throw CommandError("\(categories == nil ? "--pseudo-count" : "--categories"): applies to --family bernoulli, categorical or poisson")
        }
        let selection: ModelSelection = try input.named {
            switch X {
            case .float64(let m): return try gm.select(m, components: grid, covarianceTypes: types, criterion: rank,
                                                       plainRanking: plainRanking, monitor: FitMonitor(shouldStop: { Cluster.pendingSignal != 0 }), progress: report)
            case .float32(let m): return try gm.select(m, components: grid, covarianceTypes: types, criterion: rank,
                                                       plainRanking: plainRanking, monitor: FitMonitor(shouldStop: { Cluster.pendingSignal != 0 }), progress: report)
            }
        }
        guard Cluster.isRoot else { return }
        printRanking(selection.ranking, rank)
        try writeExtras(selection.ranking, rank, best: selection.ranking.firstIndex { $0.value != nil }, dataName: input.label)
        let best = selection.best
        var settings = ModelFile.Settings(tol: tol, regCovar: regCovar, maxIter: maxIter, nInit: nInit, initMethod: "kmeans", seed: seed)
        settings.truncation = truncation
        try ModelFile.write(best, settings: settings, to: output)
        if !quiet {
            printError("gmm: best: K=\(best.components) \(best.covarianceType.rawValue), written to \(output)")
            if !best.regularizationHolds.isEmpty {
                printError(plainRanking
                    ? "gmm: warning: the best candidate by \(rank.rawValue.uppercased()) has a component held up by reg_covar: \(best.regularizationHolds.map(\.description).joined(separator: "; "))"
                    : "gmm: warning: every candidate has a component held up by reg_covar; the best of them was written")
            }
        }
    }
}

extension Select {
    /// --plot and --table, written atomically (the ranking's first candidate with a value is
    /// the chosen one).
    func writeExtras(_ ranking: [SelectionCandidate], _ rank: SelectionCriterion, best: Int?, dataName: String) throws {
        if let plot {
            let out = try AtomicOutput(path: plot)
            try out.write(SelectionPlot(ranking: ranking, criterion: rank, best: best, dataName: dataName).svg())
            try out.commit()
        }
        if let table {
            let out = try AtomicOutput(path: table)
            try out.write(table.lowercased().hasSuffix(".json") ? selectionJSON(ranking, rank) : selectionCSV(ranking, rank))
            try out.commit()
        }
    }
}

/// One row per candidate, in ranking order: rank, K, type, the criterion, mean log-likelihood,
/// free parameters, iterations, converged, held up by reg_covar (components), failure.
func selectionCSV(_ ranking: [SelectionCandidate], _ rank: SelectionCriterion) -> String {
    func quote(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    var lines = ["rank,n_components,type,criterion,\(rank.rawValue),mean_log_likelihood,free_parameters,n_iter,converged,held_by_regularization,failure"]
    for (i, c) in ranking.enumerated() {
        lines.append(["\(i + 1)", "\(c.components)", c.kind, rank.rawValue, c.value.map { "\($0)" } ?? "", c.score.map { "\($0)" } ?? "",
                      "\(c.freeParameters)", "\(c.iterations)", c.converged ? "true" : "false",
                      quote(c.holds.map(\.description).joined(separator: "; ")), quote(c.failure ?? "")].joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
}

func selectionJSON(_ ranking: [SelectionCandidate], _ rank: SelectionCriterion) -> String {
    func str(_ s: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [s], options: [])) ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
    func num(_ v: Double?) -> String { v.map { $0.isFinite ? "\($0)" : "null" } ?? "null" }
    let rows = ranking.enumerated().map { i, c in
        "  {\"rank\": \(i + 1), \"n_components\": \(c.components), \"type\": \(str(c.kind)), \"\(rank.rawValue)\": \(num(c.value)), "
            + "\"mean_log_likelihood\": \(num(c.score)), \"free_parameters\": \(c.freeParameters), \"n_iter\": \(c.iterations), "
            + "\"converged\": \(c.converged), \"held_by_regularization\": [\(c.holds.map { str($0.description) }.joined(separator: ", "))], "
            + "\"failure\": \(c.failure.map(str) ?? "null")}"
    }
    return "{\"criterion\": \(str(rank.rawValue)), \"candidates\": [\n" + rows.joined(separator: ",\n") + "\n]}\n"
}

/// The criterion against K, one line per covariance type (mclust's BIC plot, in scikit-learn's
/// sign: lower is better): filled marks for regular candidates, hollow for those the
/// regularization holds up, × along the bottom for failed fits, a ring and label on the chosen.
struct SelectionPlot {
    let ranking: [SelectionCandidate]
    let criterion: SelectionCriterion
    let best: Int?
    let dataName: String

    func svg() -> String {
        let order = CovarianceType.allCases.map(\.rawValue)  // full, tied, diag, spherical; then families
        let kinds = ranking.reduce(into: [String]()) { if !$0.contains($1.kind) { $0.append($1.kind) } }
            .sorted { (order.firstIndex(of: $0) ?? order.count, $0) < (order.firstIndex(of: $1) ?? order.count, $1) }
        let ks = ranking.map { Double($0.components) }
        let values = ranking.compactMap(\.value)
        let frame = Frame(x: 110, y: 70, width: 760, height: 470, xs: ks, ys: values.isEmpty ? [0, 1] : values)
        let name = criterion.rawValue.uppercased()
        var s = SVG(width: 1180, height: 640)
        s.text(590, 34, "\(name) of \(ranking.count) candidate models on \(dataName)", size: 20, anchor: "middle", weight: "bold")
        frame.axes(&s, xLabel: "number of components K", yLabel: "\(name) (lower is better)", integerX: true)
        for (t, kind) in kinds.enumerated() {
            let color = PlotRenderer.palette[t % PlotRenderer.palette.count]
            let mine = ranking.filter { $0.kind == kind }.sorted { $0.components < $1.components }
            let line = mine.compactMap { c in c.value.map { "\(f(frame.px(Double(c.components)))),\(f(frame.py($0)))" } }
            s.raw("<polyline class=\"criterion\" data-type=\"\(kind)\" points=\"\(line.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2.2\"/>")
            for c in mine {
                let x = frame.px(Double(c.components))
                if let v = c.value {
                    let held = c.isHeldByRegularization
                    s.raw("<circle class=\"\(held ? "held" : "candidate")\" cx=\"\(f(x))\" cy=\"\(f(frame.py(v)))\" r=\"5\" fill=\"\(held ? "white" : color)\" stroke=\"\(color)\" stroke-width=\"2\"/>")
                } else {
                    let y = frame.y + frame.height - 10
                    s.raw("<path class=\"failed\" d=\"M\(f(x - 6)),\(f(y - 6))L\(f(x + 6)),\(f(y + 6))M\(f(x - 6)),\(f(y + 6))L\(f(x + 6)),\(f(y - 6))\" stroke=\"\(color)\" stroke-width=\"2.5\"/>")
                }
            }
            let ly = 96.0 + 24 * Double(t)
            s.raw("<line x1=\"900\" y1=\"\(f(ly - 5))\" x2=\"930\" y2=\"\(f(ly - 5))\" stroke=\"\(color)\" stroke-width=\"2.5\"/>")
            s.raw("<circle cx=\"915\" cy=\"\(f(ly - 5))\" r=\"5\" fill=\"\(color)\"/>")
            s.text(940, ly, kind, size: 15)
        }
        var ly = 96.0 + 24 * Double(kinds.count) + 20
        for line in ["filled: a regular fit", "hollow: a component only", "  reg_covar holds up", "× at the bottom: the fit failed"] {
            s.text(900, ly, line, size: 13)
            ly += 19
        }
        if let best, let v = ranking[best].value {
            let c = ranking[best]
            let (x, y) = (frame.px(Double(c.components)), frame.py(v))
            s.raw("<circle class=\"best\" cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"11\" fill=\"none\" stroke=\"black\" stroke-width=\"2.5\"/>")
            s.text(x + 14, y - 12, "best: K=\(c.components) \(c.kind)", size: 14, weight: "bold")
            s.text(900, ly + 16, "chosen: K=\(c.components) \(c.kind)", size: 14, weight: "bold")
            s.text(900, ly + 36, "\(name) \(String(format: "%.3f", v))", size: 14)
        }
        return s.finish()
    }
}

/// The ranked table of a selection on stdout.
func printRanking(_ ranking: [SelectionCandidate], _ rank: SelectionCriterion) {
    let header = ranking.first?.family == .gaussian ? "covariance " : "family     "
    print("rank  K    \(header)  \(rank.rawValue.uppercased().padding(toLength: 16, withPad: " ", startingAt: 0))mean log-lik  iter  converged")
    for (i, c) in ranking.enumerated() {
        let value = c.value.map { String(format: "%15.3f", $0) } ?? "         failed"
        let score = c.score.map { String(format: "%12.6f", $0) } ?? "           -"
        let line = String(format: "%4d  %-3d  ", i + 1, c.components) + c.kind.padding(toLength: 11, withPad: " ", startingAt: 0)
            + "  \(value)  \(score)  " + String(format: "%4d", c.iterations) + "  \(c.converged ? "yes" : "no")"
            + (c.failure.map { "  (\($0))" } ?? "")
            + (c.holds.isEmpty ? "" : "  held up by reg_covar: " + c.holds.map(\.description).joined(separator: "; "))
        print(line)
    }
}

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a readable summary of a model file.",
        discussion: """
        Example:
          gmm info model.json
        """)

    @Argument(help: "Model (JSON).") var model: String

    func run() throws {
        if let discrete = try ModelFile.readAny(model) as? FittedDiscreteMixture {
            print(Self.summary(discrete, path: model))
            return
        }
        let m = try ModelFile.read(model)
        let p = m.parameters
        let K = p.components, d = p.features
        var out = """
        model                \(model)
        covariance type      \(p.covarianceType.rawValue)
        components           \(K)
        features             \(d)
        free parameters      \(m.freeParameters)
        converged            \(m.converged ? "yes" : "no") after \(m.iterations) iterations
        lower bound          \(m.lowerBound.isFinite ? String(format: "%.6f", m.lowerBound) : "-")

        component  weight     mean (first \(min(d, 4)) features)              spread (√ of mean variance)
        """
        for k in 0..<K {
            let mean = (0..<min(d, 4)).map { String(format: "%9.4f", p.means[k, $0]) }.joined(separator: " ")
            let spread = (p.variances(component: k).reduce(0, +) / Double(d)).squareRoot()
            out += "\n" + String(format: "%9d  %.6f  ", k, p.weights[k]) + mean.padding(toLength: 40, withPad: " ", startingAt: 0)
                + String(format: "  %.4f", spread)
        }
        let holds = m.regularizationHolds
        if m.regCovar == nil || m.sampleWeightSum == nil {
            out += "\n\nheld up by reg_covar  unknown (the file lacks reg_covar or sample_weight_sum)"
        } else {
            out += "\n\nheld up by reg_covar  " + (holds.isEmpty ? "none" : holds.map(\.description).joined(separator: "\n                     "))
        }
        print(out)
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a seeded synthetic dataset drawn from a random Gaussian mixture.",
        discussion: """
        Means are uniform in [-spread, spread]^d, covariances A A^T/d + I/2 with A standard normal. \
        With the same -d, -k, --seed and --spread, the data equal `gmm demo`'s.

        Example:
          gmm generate -n 1000000 -d 16 -k 16 --seed 2026 --float32 -o X.npy --labels truth.npy --model truth.json
        """)

    @Option(name: .short, parsing: .unconditional, help: "Number of points.") var n: String
    @Option(name: .short, parsing: .unconditional, help: "Number of features.") var d: String
    @Option(name: .short, parsing: .unconditional, help: "Number of components.") var k: String
    @Option(parsing: .unconditional, help: "Random seed.") var seed = "0"
    @Option(parsing: .unconditional, help: "Means are uniform in [-spread, spread]^d.") var spread = "2.0"
    @Flag(help: "Write float32 values.") var float32 = false
    @Option(name: .short, help: "Data output (.npy or .csv).") var output: String
    @Option(help: "True component of each point (.npy or .csv).") var labels: String?
    @Option(help: "The true model (JSON).") var model: String?

    func run() throws {
        let n = try OptionValue.int(self.n, option: "-n", minimum: 1)
        let d = try OptionValue.int(self.d, option: "-d", minimum: 1)
        let k = try OptionValue.int(self.k, option: "-k", minimum: 1)
        let seed = try OptionValue.seed(self.seed)
        let spread = try OptionValue.float(self.spread, option: "--spread", minimum: 0)
        try checkDistinct(inputs: [], outputs: [("-o", output), ("--labels", labels), ("--model", model)])
        try checkWritable(output)
        try checkWritable(labels)
        try checkWritable(model)
        try SyntheticMixture.checkMemory(components: k, features: d)
        let truth = SyntheticMixture(components: k, features: d, spread: spread, seed: seed)
        let points = try ArrayWriter(path: output, rows: n, columns: d, element: float32 ? .float32 : .float64)
        let labelWriter = try labels.map { try ArrayWriter(path: $0, rows: n, columns: nil, element: .int64) }
        try truth.parameters.sampleChunks(n, seed: seed &+ 1) { _, _, x, l in
            try Interruption.check()
            try points.append(x)
            try labelWriter?.append(labels: Array(l))
        }
        try points.commit()
        try labelWriter?.commit()
        if let model { try ModelFile.write(FittedGaussianMixture(parameters: truth.parameters), settings: nil, to: model) }
    }
}

extension Info {
    /// A discrete model: family, sizes, fit, and per component its weight and first values.
    static func summary(_ m: FittedDiscreteMixture, path: String) -> String {
        let p = m.parameters
        let what = p.family == .poisson ? "rates" : "probabilities"
        var out = """
        model                \(path)
        family               \(p.family.rawValue)
        components           \(p.components)
        features             \(p.features)\(p.family == .categorical ? " (categories \(p.categories.map(String.init).joined(separator: ",")))" : "")
        free parameters      \(m.freeParameters)
        converged            \(m.converged ? "yes" : "no") after \(m.iterations) iterations
        lower bound          \(m.lowerBound.isFinite ? String(format: "%.6f", m.lowerBound) : "-")

        component  weight     \(what) (first \(min(p.codedColumns, 6)) columns)
        """
        for k in 0..<p.components {
            let values = (0..<min(p.codedColumns, 6)).map { String(format: "%8.4f", p.means[k, $0]) }.joined(separator: " ")
            out += "\n" + String(format: "%9d  %.6f  ", k, p.weights[k]) + values
        }
        return out
    }
}

