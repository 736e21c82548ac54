import ArgumentParser
import Foundation
import GMM

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the data coloured by component, with 1σ/2σ ellipses and means, and the lower-bound trace, as SVG.",
        discussion: """
        With more than two features the data are projected on their first two principal axes; \
        with one, a histogram of the data (density scale, Freedman–Diaconis or Sturges bins) carries the \
        fitted mixture density and each weighted component density. At most 4000 points (a \
        seeded sample) are drawn.

        Example:
          gmm plot model.json X.npy -o fit.svg
        """)

    @Argument(help: "Model (JSON).") var model: String
    @Argument(help: "Data file (.npy, .csv, or - for CSV on stdin).") var data: String
    @Option(name: .short, help: "SVG output.") var output: String
    @Option(parsing: .unconditional, help: "Most points to draw.") var points = "4000"
    @Option(parsing: .unconditional, help: "Seed for the drawn sample.") var seed = "0"
    @Option(help: "Bernoulli fits: draw each component's probabilities as an H,W image (H x W = the number of features, row-major), e.g. 8,8 for 8 x 8 digits.")
    var imageShape: String?
    @Flag(help: "Size and shade the points by their classification uncertainty, 1 − the largest responsibility (mclust's uncertainty plot; d ≥ 2).")
    var uncertainty = false

    func run() throws {
        try checkDistinct(inputs: [("the model argument", model), ("the data argument", data)], outputs: [("-o", output)])
        guard output.lowercased().hasSuffix(".svg") else { throw CommandError("\(output): the plot output must be an .svg file") }
        let points = try OptionValue.int(self.points, option: "--points", minimum: 1)
        let seed = try OptionValue.seed(self.seed)
        let family = try ModelFile.declaredFamily(model)
        if family != .gaussian { return try plotDiscrete(family, points: points, seed: seed) }
        if imageShape != nil { throw CommandError("--image-shape: applies to Bernoulli mixtures (this model is Gaussian)") }
        let fitted = try ModelFile.read(model)
        try checkWritable(output)
        let X = try loadData(data)
        try checkEvaluable(X, data, fitted, model)
        let sample = drawnSample(X, points: points, seed: seed), d = X.columns
        if uncertainty && d < 2 { throw CommandError("--uncertainty: needs two or more features (this model has \(d))") }
        let labels = try naming(data) { try fitted.predict(sample) }
        var renderer = PlotRenderer(model: fitted, sample: sample, labels: labels, totalRows: X.rows, dataName: data)
        if uncertainty {
            let gamma = try naming(data) { try fitted.predictProbabilities(sample) }
            let K = fitted.components
            renderer.uncertainty = (0..<sample.rows).map { i in 1 - (0..<K).map { gamma[i, $0] }.max()! }
        }
        let svg = renderer.svg()
        let out = try AtomicOutput(path: output)
        try out.write(svg)
        try out.commit()
    }
}

/// A seeded sample of at most `points` rows (all of them when there are fewer), widened to Double.
func drawnSample(_ X: DataMatrix, points: Int, seed: UInt64) -> Matrix<Double> {
    var rng = SeededGenerator(seed: seed)
    let rows = X.rows <= points ? Array(0..<X.rows) : (0..<points).map { _ in Int.random(in: 0..<X.rows, using: &rng) }
    let d = X.columns
    return Matrix<Double>(rows: rows.count, columns: d) { out in
        for (i, r) in rows.enumerated() {
            let row = X.rows(r..<(r + 1)).doubleElements
            for j in 0..<d { out[i * d + j] = row[j] }
        }
    }
}

extension Plot {
    /// Bernoulli and categorical: heat maps (or images); Poisson: rates against the data.
    func plotDiscrete(_ family: MixtureFamily, points: Int, seed: UInt64) throws {
        if uncertainty { throw CommandError("--uncertainty: draws Gaussian fits (this model is a \(family.rawValue) mixture)") }
        let fitted = try ModelFile.readDiscrete(model, assumed: family)
        var shape: (height: Int, width: Int)?
        if let text = imageShape {
            guard family == .bernoulli else { throw CommandError("--image-shape: applies to Bernoulli mixtures (this model is a \(family.rawValue) mixture)") }
            let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let h = parts[0], let w = parts[1], h >= 1, w >= 1, h.multipliedReportingOverflow(by: w).partialValue == fitted.parameters.features,
                  !h.multipliedReportingOverflow(by: w).overflow else {
                throw CommandError("--image-shape: '\(text)' must be H,W with H × W = the model's \(fitted.parameters.features) features")
            }
            shape = (h, w)
        }
        try checkWritable(output)
        let X = try loadData(data)
        try checkEvaluable(X, data, fitted, model)
        let sample = drawnSample(X, points: points, seed: seed)
        let svg = DiscretePlotRenderer(model: fitted, sample: sample, totalRows: X.rows, dataName: data, imageShape: shape).svg()
        let out = try AtomicOutput(path: output)
        try out.write(svg)
        try out.commit()
    }
}

/// Builds the SVG: scatter panel (left), legend, lower-bound panel and summary (right).
struct PlotRenderer {
    let model: FittedGaussianMixture
    let sample: Matrix<Double>
    let labels: [Int32]
    let totalRows: Int
    let dataName: String
    /// 1 − the largest responsibility of each drawn point (--uncertainty), or nil.
    var uncertainty: [Double]? = nil

    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                          "#bcbd22", "#17becf", "#393b79", "#ad494a", "#8ca252", "#bd9e39", "#7b4173", "#3182bd",
                          "#e6550d", "#31a354", "#756bb1", "#636363"]

    func color(_ k: Int) -> String { Self.palette[k % Self.palette.count] }

    func svg() -> String {
        let p = model.parameters
        let d = p.features, K = p.components
        var s = SVG(width: 1280, height: 660)
        s.text(640, 34, "\(K)-component \(p.covarianceType.rawValue)-covariance Gaussian mixture on \(dataName) (\(totalRows) points, \(sample.rows) drawn)",
               size: 20, anchor: "middle", weight: "bold")
        if d == 1 { densityPanel(&s) } else { scatterPanel(&s) }
        sidePanels(&s, key: d == 1 ? ["bars: the data, density scale", "(Freedman–Diaconis/Sturges)", "black: the mixture", "dashed: weighted components"]
                                    : ["solid 1σ, dashed 2σ, × mean"] + (uncertainty == nil ? [] : [
                                        "size: 1 − max responsibility", "(top 5 % large, next 20 %)"]))
        return s.finish()
    }

    /// One feature: a histogram of the drawn sample on the density scale (numpy's "auto" bins:
    /// the narrower of Freedman–Diaconis, 2 IQR n^(-1/3), and Sturges, range / (log2 n + 1), so
    /// small or multimodal samples keep enough bins), the mixture's density and each weighted
    /// component's density πₖ N(x | μₖ, σ²ₖ), on 400 points.
    func densityPanel(_ s: inout SVG) {
        let p = model.parameters
        let K = p.components
        let values = (0..<sample.rows).map { sample[$0, 0] }.sorted()
        let n = values.count
        func quantile(_ q: Double) -> Double {
            let h = q * Double(n - 1), lo = Int(h.rounded(.down)), hi = min(lo + 1, n - 1)
            return values[lo] + (h - Double(lo)) * (values[hi] - values[lo])
        }
        let lo = values.first ?? 0, hi = values.last ?? 1
        let range = hi - lo
        let sturges = range > 0 ? range / (log2(Double(max(n, 1))) + 1) : 1
        var width = 2 * (quantile(0.75) - quantile(0.25)) / pow(Double(max(n, 1)), 1.0 / 3)
        width = width > 0 && width.isFinite ? min(width, sturges) : sturges
        let bins = max(1, min(200, Int((range / width).rounded(.up))))
        width = range > 0 ? range / Double(bins) : 1
        var counts = [Int](repeating: 0, count: bins)
        for v in values { counts[min(bins - 1, max(0, Int((v - lo) / width)))] += 1 }
        let heights = counts.map { Double($0) / (Double(n) * width) }
        let sd = (0..<K).map { p.variances(component: $0)[0].squareRoot() }
        let mu = (0..<K).map { p.means[$0, 0] }
        let left = min(lo, (0..<K).map { mu[$0] - 3 * sd[$0] }.min() ?? lo)
        let right = max(range > 0 ? hi : lo + 1, (0..<K).map { mu[$0] + 3 * sd[$0] }.max() ?? hi)
        let grid = (0..<400).map { left + (right - left) * Double($0) / 399 }
        func normal(_ x: Double, _ k: Int) -> Double {
            let z = (x - mu[k]) / sd[k]
            return p.weights[k] * exp(-0.5 * z * z) / (sd[k] * (2 * Double.pi).squareRoot())
        }
        let components = (0..<K).map { k in grid.map { normal($0, k) } }
        let mixture = grid.indices.map { i in (0..<K).reduce(0.0) { $0 + components[$1][i] } }
        let top = max(heights.max() ?? 0, mixture.filter(\.isFinite).max() ?? 0)
        let frame = Frame(x: 90, y: 70, width: 600, height: 520, xs: [left, right], ys: [0, top], zeroY: true)
        frame.axes(&s, xLabel: "x0", yLabel: "density")
        s.open("<g clip-path=\"url(#scatter)\">")
        for (b, h) in heights.enumerated() where h > 0 {
            let x0 = frame.px(lo + Double(b) * width), x1 = frame.px(lo + Double(b + 1) * width)
            s.raw("<rect class=\"bar\" x=\"\(f(x0))\" y=\"\(f(frame.py(h)))\" width=\"\(f(max(0.5, x1 - x0)))\" height=\"\(f(frame.py(0) - frame.py(h)))\" fill=\"#c9d3df\" stroke=\"#8a99ab\" stroke-width=\"0.6\"/>")
        }
        func path(_ ys: [Double]) -> String {
            zip(grid, ys).enumerated().map { i, v in "\(i == 0 ? "M" : "L")\(f(frame.px(v.0))),\(f(frame.py(v.1)))" }.joined()
        }
        s.raw("<path class=\"mixture\" d=\"\(path(mixture))\" fill=\"none\" stroke=\"black\" stroke-width=\"3\"/>")
        for k in 0..<K {  /* over the mixture, dashed, so each shows where it is the mixture */
            s.raw("<path class=\"component\" d=\"\(path(components[k]))\" fill=\"none\" stroke=\"\(color(k))\" stroke-width=\"2.2\" stroke-dasharray=\"8 4\"/>")
        }
        s.close("</g>")
        s.raw("<defs><clipPath id=\"scatter\"><rect x=\"\(frame.x)\" y=\"\(frame.y)\" width=\"\(frame.width)\" height=\"\(frame.height)\"/></clipPath></defs>")
    }

    /// Two or more features: the data coloured by component (first two principal axes when
    /// d > 2), 1σ/2σ ellipses and means.
    func scatterPanel(_ s: inout SVG) {
        let p = model.parameters
        let d = p.features, K = p.components
        let axes = projection()
        let (axisNames, P) = (axes.names, axes.matrix)  // P: 2 x d
        func project(_ x: [Double]) -> (Double, Double) {
            var a = 0.0, b = 0.0
            for j in 0..<d { a += P[j] * x[j]; b += P[d + j] * x[j] }
            return (a, b)
        }
        let projected = (0..<sample.rows).map { project(sample.row($0)) }
        let centers = (0..<K).map { project(p.means.row($0)) }
        // P S Pᵀ, read in place (diag and spherical: from the d variances, no d × d matrix).
        let covs = (0..<K).map { k -> (Double, Double, Double) in
            var a = 0.0, b = 0.0, c = 0.0
            switch p.covarianceType {
            case .full, .tied:
                let o = p.covarianceType == .full ? k * d * d : 0
                for i in 0..<d {
                    for j in 0..<d {
                        let sij = p.covariances[o + i * d + j]
                        a += P[i] * sij * P[j]
                        b += P[i] * sij * P[d + j]
                        c += P[d + i] * sij * P[d + j]
                    }
                }
            case .diag, .spherical:
                let v = p.variances(component: k)
                for i in 0..<d {
                    a += P[i] * v[i] * P[i]
                    b += P[i] * v[i] * P[d + i]
                    c += P[d + i] * v[i] * P[d + i]
                }
            }
            return (a, b, c)
        }
        // Ellipses as polygons in data space (axes may be scaled differently).
        let ellipses = (0..<K).map { k in [1.0, 2.0].map { r in ellipse(center: centers[k], cov: covs[k], radius: r) } }
        var xs = projected.map(\.0) + centers.map(\.0), ys = projected.map(\.1) + centers.map(\.1)
        for e in ellipses.flatMap({ $0 }) { xs += e.map(\.0); ys += e.map(\.1) }
        let frame = Frame(x: 70, y: 70, width: 620, height: 520, xs: xs, ys: ys)
        frame.axes(&s, xLabel: axisNames.0, yLabel: axisNames.1)
        s.open("<g clip-path=\"url(#scatter)\">")
        if let u = uncertainty {
            // mclust's uncertainty plot: the most uncertain 5 % large and dark, the next 20 %
            // medium, the rest small and faint; the least certain drawn last (on top).
            let sorted = u.sorted()
            func quantile(_ q: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))] }
            let (q75, q95) = (quantile(0.75), quantile(0.95))
            for i in u.indices.sorted(by: { u[$0] < u[$1] }) {
                let pt = projected[i]
                let (cls, r, opacity) = u[i] >= q95 && u[i] > 0 ? ("uncertain-high", 5.5, 0.95) : u[i] >= q75 && u[i] > 0 ? ("uncertain-mid", 3.4, 0.7) : ("uncertain-low", 1.6, 0.35)
                s.raw("<circle class=\"\(cls)\" cx=\"\(f(frame.px(pt.0)))\" cy=\"\(f(frame.py(pt.1)))\" r=\"\(r)\" fill=\"\(color(Int(labels[i])))\" fill-opacity=\"\(opacity)\"/>")
            }
        } else {
            for (i, pt) in projected.enumerated() {
                s.raw("<circle cx=\"\(f(frame.px(pt.0)))\" cy=\"\(f(frame.py(pt.1)))\" r=\"2.2\" fill=\"\(color(Int(labels[i])))\" fill-opacity=\"0.55\"/>")
            }
        }
        for k in 0..<K {
            for (r, e) in ellipses[k].enumerated() {
                let pts = e.map { "\(f(frame.px($0.0))),\(f(frame.py($0.1)))" }.joined(separator: " ")
                s.raw("<polygon points=\"\(pts)\" fill=\"none\" stroke=\"\(color(k))\" stroke-width=\"\(r == 0 ? 2.5 : 1.5)\"\(r == 1 ? " stroke-dasharray=\"7 5\"" : "")/>")
            }
            let (cx, cy) = (frame.px(centers[k].0), frame.py(centers[k].1))
            s.raw("<path d=\"M\(f(cx - 7)),\(f(cy - 7))L\(f(cx + 7)),\(f(cy + 7))M\(f(cx - 7)),\(f(cy + 7))L\(f(cx + 7)),\(f(cy - 7))\" stroke=\"black\" stroke-width=\"3\"/>")
        }
        s.close("</g>")
        s.raw("<defs><clipPath id=\"scatter\"><rect x=\"\(frame.x)\" y=\"\(frame.y)\" width=\"\(frame.width)\" height=\"\(frame.height)\"/></clipPath></defs>")
    }

    /// The legend (components with weights, then `key`), the lower-bound trace and a summary.
    func sidePanels(_ s: inout SVG, key: [String]) {
        let d = model.parameters.features
        drawSidePanels(&s, model: model, weights: model.parameters.weights, key: key,
                       summary: "features: \(d)" + (d > 2 ? " (projected on 2 principal axes)" : ""))
    }
}

/// The legend (components with weights, then `key`), the lower-bound trace and a summary: the
/// right-hand side of every `gmm plot` picture.
func drawSidePanels(_ s: inout SVG, model: any FittedMixture, weights: [Double], key: [String], summary: String) {
        let K = weights.count
        func color(_ k: Int) -> String { PlotRenderer.palette[k % PlotRenderer.palette.count] }
        // Legend: one row per component (up to 20), then a key for the marks.
        var ly = 80.0
        s.text(720, ly - 10, "component (weight)", size: 14, weight: "bold")
        for k in 0..<min(K, 20) {
            ly += 22
            s.raw("<rect x=\"720\" y=\"\(f(ly - 12))\" width=\"14\" height=\"14\" fill=\"\(color(k))\"/>")
            s.text(742, ly, "\(k)  (\(String(format: "%.3f", weights[k])))", size: 14)
        }
        if K > 20 { ly += 22; s.text(720, ly, "… \(K - 20) more", size: 14) }
        ly += 34
        for line in key {
            s.text(720, ly, line, size: 13)
            ly += 18
        }

        // Lower-bound trace.
        let trace = model.lowerBounds
        if trace.count >= 1 {
            let tx = trace.indices.map { Double($0 + 1) }
            let tframe = Frame(x: 1010, y: 90, width: 250, height: 260, xs: tx + [0.5, Double(trace.count) + 0.5], ys: trace)
            s.text(1135, 74, "lower bound per iteration", size: 15, anchor: "middle", weight: "bold")
            tframe.axes(&s, xLabel: "iteration", yLabel: "mean log-likelihood", integerX: true)
            let pts = zip(tx, trace).map { "\(f(tframe.px($0))),\(f(tframe.py($1)))" }.joined(separator: " ")
            s.raw("<polyline points=\"\(pts)\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\"/>")
            for (x, y) in zip(tx, trace) where trace.count <= 60 {
                s.raw("<circle cx=\"\(f(tframe.px(x)))\" cy=\"\(f(tframe.py(y)))\" r=\"3\" fill=\"#1f77b4\"/>")
            }
        } else {
            s.text(1135, 200, "no per-iteration trace in the model", size: 14, anchor: "middle")
        }
        var sy = 440.0
        for line in [
            "iterations: \(model.iterations)   converged: \(model.converged ? "yes" : "no")",
            "final lower bound: " + (model.lowerBound.isFinite ? String(format: "%.6f", model.lowerBound) : "-"),
            summary,
        ] {
            s.text(930, sy, line, size: 14)
            sy += 22
        }
}

extension PlotRenderer {

    /// The two plotted axes: the features themselves for d ≤ 2, else the data's first two
    /// principal axes (Jacobi eigen-decomposition of the sample covariance).
    func projection() -> (names: (String, String), matrix: [Double]) {
        let d = sample.columns
        if d == 1 { return (("x0", "—"), [1, 0]) }
        if d == 2 { return (("x0", "x1"), [1, 0, 0, 1]) }
        let n = sample.rows
        var mean = [Double](repeating: 0, count: d)
        for r in 0..<n { for j in 0..<d { mean[j] += sample[r, j] / Double(n) } }
        if d > 64 { return (("PC1", "PC2"), principalAxes(mean: mean)) }
        var C = [Double](repeating: 0, count: d * d)
        for r in 0..<n {
            for i in 0..<d { for j in i..<d { C[i * d + j] += (sample[r, i] - mean[i]) * (sample[r, j] - mean[j]) } }
        }
        for i in 0..<d { for j in i..<d { C[i * d + j] /= Double(max(1, n - 1)); C[j * d + i] = C[i * d + j] } }
        let (values, vectors) = jacobiEigen(C, d)
        let order = values.indices.sorted { values[$0] > values[$1] }
        let v1 = (0..<d).map { vectors[$0 * d + order[0]] }, v2 = (0..<d).map { vectors[$0 * d + order[1]] }
        return (("PC1", "PC2"), v1 + v2)
    }

    /// The first two principal axes of the centred sample by subspace iteration (V ← Xᵀ X V,
    /// then orthonormalized): O(n·d) a step and O(d) memory, for wide data where a d × d
    /// covariance and its Jacobi sweeps would not fit or not finish.
    func principalAxes(mean: [Double]) -> [Double] {
        let n = sample.rows, d = sample.columns
        var v1 = (0..<d).map { 1 / (Double($0) + 1).squareRoot() }, v2 = (0..<d).map { Double($0 % 2 == 0 ? 1 : -1) / (Double($0) + 2) }
        func normalize(_ v: inout [Double]) {
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 { for i in v.indices { v[i] /= norm } }
        }
        for _ in 0..<200 {
            var w1 = [Double](repeating: 0, count: d), w2 = w1
            for r in 0..<n {
                let row = sample.row(r)
                var p1 = 0.0, p2 = 0.0
                for j in 0..<d { let c = row[j] - mean[j]; p1 += c * v1[j]; p2 += c * v2[j] }
                for j in 0..<d { let c = row[j] - mean[j]; w1[j] += c * p1; w2[j] += c * p2 }
            }
            normalize(&w1)
            let dot = zip(w1, w2).reduce(0) { $0 + $1.0 * $1.1 }
            for j in 0..<d { w2[j] -= dot * w1[j] }
            normalize(&w2)
            let moved = zip(w1, v1).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            v1 = w1
            v2 = w2
            if moved < 1e-20 { break }
        }
        return v1 + v2
    }

    func ellipse(center: (Double, Double), cov: (Double, Double, Double), radius: Double) -> [(Double, Double)] {
        let (a, b, c) = cov
        let mid = (a + c) / 2, half = (((a - c) / 2) * ((a - c) / 2) + b * b).squareRoot()
        let l1 = max(mid + half, 0), l2 = max(mid - half, 0)
        let theta = 0.5 * atan2(2 * b, a - c)
        return (0..<72).map { i in
            let t = Double(i) / 72 * 2 * Double.pi
            let u = radius * l1.squareRoot() * cos(t), v = radius * l2.squareRoot() * sin(t)
            return (center.0 + u * cos(theta) - v * sin(theta), center.1 + u * sin(theta) + v * cos(theta))
        }
    }
}

/// Eigenvalues and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi rotations.
func jacobiEigen(_ matrix: [Double], _ n: Int) -> ([Double], [Double]) {
    var a = matrix
    var v = (0..<n * n).map { $0 / n == $0 % n ? 1.0 : 0.0 }
    for _ in 0..<100 {
        var off = 0.0
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { off += a[i * n + j] * a[i * n + j] } }
        if off < 1e-22 { break }
        for p in 0..<n {
            for q in (p + 1)..<max(p + 1, n) where a[p * n + q] != 0 {
                let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<n {
                    let akp = a[k * n + p], akq = a[k * n + q]
                    a[k * n + p] = c * akp - s * akq
                    a[k * n + q] = s * akp + c * akq
                }
                for k in 0..<n {
                    let apk = a[p * n + k], aqk = a[q * n + k]
                    a[p * n + k] = c * apk - s * aqk
                    a[q * n + k] = s * apk + c * aqk
                }
                for k in 0..<n {
                    let vkp = v[k * n + p], vkq = v[k * n + q]
                    v[k * n + p] = c * vkp - s * vkq
                    v[k * n + q] = s * vkp + c * vkq
                }
            }
        }
    }
    return ((0..<n).map { a[$0 * n + $0] }, v)
}

/// A plotting rectangle with data bounds and 1-2-5 ticks.
struct Frame {
    let x: Double, y: Double, width: Double, height: Double
    let x0: Double, x1: Double, y0: Double, y1: Double

    /// `zeroY`: the y axis starts at 0 exactly (densities, counts).
    init(x: Double, y: Double, width: Double, height: Double, xs: [Double], ys: [Double], zeroY: Bool = false) {
        self.x = x; self.y = y; self.width = width; self.height = height
        func bounds(_ v: [Double]) -> (Double, Double) {
            let finite = v.filter(\.isFinite)
            var lo = finite.min() ?? 0, hi = finite.max() ?? 1
            if hi - lo < 1e-12 * max(1, abs(hi)) { lo -= 0.5; hi += 0.5 }
            let pad = (hi - lo) * 0.04
            return (lo - pad, hi + pad)
        }
        (x0, x1) = bounds(xs)
        let (lo, hi) = bounds(ys)
        (y0, y1) = zeroY ? (0, hi > 0 ? hi : 1) : (lo, hi)
    }

    func px(_ v: Double) -> Double { x + (v - x0) / (x1 - x0) * width }
    func py(_ v: Double) -> Double { y + height - (v - y0) / (y1 - y0) * height }

    static func ticks(_ lo: Double, _ hi: Double, count: Int = 6) -> (values: [Double], step: Double) {
        let raw = (hi - lo) / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var i = ceil(lo / step), out: [Double] = []
        while i * step <= hi + step * 1e-9 { out.append(abs(i) < 1e-9 ? 0 : i * step); i += 1 }
        return (out, step)
    }

    func axes(_ s: inout SVG, xLabel: String, yLabel: String, integerX: Bool = false) {
        s.raw("<rect x=\"\(x)\" y=\"\(y)\" width=\"\(width)\" height=\"\(height)\" fill=\"white\" stroke=\"#444\" stroke-width=\"1.2\"/>")
        // At most one x tick per 60 pixels, so long labels (large counts) do not run together.
        let xt = Frame.ticks(x0, x1, count: max(2, min(6, Int(width / 60)))), yt = Frame.ticks(y0, y1)
        for t in xt.values where !integerX || t == t.rounded() {
            let X = px(t)
            s.raw("<line x1=\"\(f(X))\" y1=\"\(f(y + height))\" x2=\"\(f(X))\" y2=\"\(f(y + height + 6))\" stroke=\"#444\"/>")
            s.raw("<line x1=\"\(f(X))\" y1=\"\(f(y))\" x2=\"\(f(X))\" y2=\"\(f(y + height))\" stroke=\"#e4e4e4\"/>")
            s.text(X, y + height + 22, label(t, step: xt.step), size: 13, anchor: "middle")
        }
        for t in yt.values {
            let Y = py(t)
            s.raw("<line x1=\"\(f(x - 6))\" y1=\"\(f(Y))\" x2=\"\(f(x))\" y2=\"\(f(Y))\" stroke=\"#444\"/>")
            s.raw("<line x1=\"\(f(x))\" y1=\"\(f(Y))\" x2=\"\(f(x + width))\" y2=\"\(f(Y))\" stroke=\"#e4e4e4\"/>")
            s.text(x - 10, Y + 4, label(t, step: yt.step), size: 13, anchor: "end")
        }
        s.text(x + width / 2, y + height + 44, xLabel, size: 15, anchor: "middle")
        // The y label sits left of the widest tick label.
        let widest = yt.values.map { label($0, step: yt.step).count }.max() ?? 2
        let lx = x - 22 - Double(widest) * 7.5
        s.raw("<text x=\"\(f(lx))\" y=\"\(f(y + height / 2))\" font-size=\"15\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(lx)) \(f(y + height / 2)))\">\(SVG.escape(yLabel))</text>")
    }

    /// Enough decimals to tell neighbouring ticks apart.
    private func label(_ t: Double, step: Double) -> String {
        if abs(t) >= 1e6 || (abs(t) < 1e-4 && t != 0) { return String(format: "%.3e", t) }
        let decimals = max(0, Int(-floor(log10(step))))
        return String(format: "%.\(decimals)f", t)
    }
}

/// A minimal SVG writer.
struct SVG {
    private var parts: [String]

    init(width: Int, height: Int) {
        parts = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">",
                 "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"]
    }

    mutating func raw(_ s: String) { parts.append(s) }
    mutating func open(_ s: String) { parts.append(s) }
    mutating func close(_ s: String) { parts.append(s) }

    mutating func text(_ x: Double, _ y: Double, _ content: String, size: Int, anchor: String = "start", weight: String = "normal") {
        parts.append("<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\">\(SVG.escape(content))</text>")
    }

    func finish() -> String { (parts + ["</svg>"]).joined(separator: "\n") + "\n" }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

/// Pixel coordinates with two decimals.
func f(_ v: Double) -> String { String(format: "%.2f", v) }
