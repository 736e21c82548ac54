import Foundation
import GMM

/// Pictures of Bernoulli, categorical and Poisson fits (`gmm plot`): each component's
/// probabilities as a heat map (components × features; categorical: × coded categories), or,
/// with an image shape, as H × W images (Bernoulli: prototypes such as digits); each
/// component's Poisson rates against the data's histogram, feature by feature. The legend,
/// lower-bound trace and summary are the Gaussian picture's.
struct DiscretePlotRenderer {
    let model: FittedDiscreteMixture
    let sample: Matrix<Double>
    let totalRows: Int
    let dataName: String
    let imageShape: (height: Int, width: Int)?

    /// White (0) to dark blue (1).
    static func shade(_ v: Double) -> String {
        let t = min(1, max(0, v.isFinite ? v : 0))
        let (r, g, b) = (255 - t * (255 - 8), 255 - t * (255 - 48), 255 - t * (255 - 107))
        return String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
    }

    func svg() -> String {
        let p = model.parameters
        let K = p.components
        var s = SVG(width: 1280, height: 660)
        s.text(640, 34, "\(K)-component \(p.family.rawValue) mixture on \(dataName) (\(totalRows) points" + (p.family == .poisson ? ", \(sample.rows) drawn)" : ")"),
               size: 20, anchor: "middle", weight: "bold")
        var key: [String]
        switch p.family {
        case .poisson:
            rates(&s)
            key = ["bars: the data's counts", "black: the mixture", "dashed: weighted components"]
        default:
            if let shape = imageShape { images(&s, shape) } else { heatMap(&s) }
            key = [p.family == .categorical ? "cells: P(category) per feature" : "cells: P(x = 1) of each feature", "white 0 … dark blue 1"]
        }
        drawSidePanels(&s, model: model, weights: p.weights, key: key, summary: "features: \(p.features)")
        return s.finish()
    }

    /// Components (rows) × coded columns, a colour bar from 0 to 1.
    func heatMap(_ s: inout SVG) {
        let p = model.parameters
        let K = p.components, C = p.codedColumns
        let cell = min(30, 560 / Double(C)), rowH = min(30, 480 / Double(K))
        let x0 = 120.0, y0 = 80.0
        for k in 0..<K {
            s.text(x0 - 8, y0 + (Double(k) + 0.5) * rowH + 4, "\(k)", size: 12, anchor: "end")
            for c in 0..<C {
                s.raw("<rect class=\"cell\" x=\"\(f(x0 + Double(c) * cell))\" y=\"\(f(y0 + Double(k) * rowH))\" width=\"\(f(cell))\" height=\"\(f(rowH))\" fill=\"\(Self.shade(p.means[k, c]))\"/>")
            }
        }
        s.raw("<rect x=\"\(f(x0))\" y=\"\(f(y0))\" width=\"\(f(cell * Double(C)))\" height=\"\(f(rowH * Double(K)))\" fill=\"none\" stroke=\"#444\"/>")
        // Feature boundaries (categorical: the categories of one feature side by side).
        let offsets = p.family == .categorical ? p.offsets : Array(0...C)
        let step = max(1, offsets.count / 16)
        for (j, o) in offsets.enumerated() where j < offsets.count - 1 && j % step == 0 {
            s.text(x0 + (Double(o) + Double(offsets[j + 1] - o) / 2) * cell, y0 + rowH * Double(K) + 18, "\(j)", size: 11, anchor: "middle")
            if p.family == .categorical && j > 0 {
                s.raw("<line x1=\"\(f(x0 + Double(o) * cell))\" y1=\"\(f(y0))\" x2=\"\(f(x0 + Double(o) * cell))\" y2=\"\(f(y0 + rowH * Double(K)))\" stroke=\"#444\" stroke-width=\"1.5\"/>")
            }
        }
        s.text(x0 + cell * Double(C) / 2, y0 + rowH * Double(K) + 40, "feature", size: 15, anchor: "middle")
        s.raw("<text x=\"40\" y=\"\(f(y0 + rowH * Double(K) / 2))\" font-size=\"15\" text-anchor=\"middle\" transform=\"rotate(-90 40 \(f(y0 + rowH * Double(K) / 2)))\">component</text>")
        colourBar(&s, x: 120, y: 600)
    }

    /// Each component as an H × W image (row-major features), in a grid, with its weight.
    func images(_ s: inout SVG, _ shape: (height: Int, width: Int)) {
        let p = model.parameters
        let K = p.components
        let columns = Int(Double(K).squareRoot().rounded(.up)), rows = (K + columns - 1) / columns
        let panel = min(600 / Double(columns), 480 / Double(rows))
        let pixel = (panel - 22) / Double(max(shape.height, shape.width))
        for k in 0..<K {
            let px0 = 80 + Double(k % columns) * panel, py0 = 70 + Double(k / columns) * panel
            s.text(px0 + pixel * Double(shape.width) / 2, py0 + 12, "\(k) (\(String(format: "%.3f", p.weights[k])))", size: 12, anchor: "middle")
            for r in 0..<shape.height {
                for c in 0..<shape.width {
                    s.raw("<rect class=\"pixel\" x=\"\(f(px0 + Double(c) * pixel))\" y=\"\(f(py0 + 18 + Double(r) * pixel))\" width=\"\(f(pixel + 0.3))\" height=\"\(f(pixel + 0.3))\" fill=\"\(Self.shade(p.means[k, r * shape.width + c]))\"/>")
                }
            }
        }
        colourBar(&s, x: 120, y: 600)
    }

    func colourBar(_ s: inout SVG, x: Double, y: Double) {
        for i in 0..<50 {
            s.raw("<rect x=\"\(f(x + Double(i) * 6))\" y=\"\(f(y))\" width=\"6.3\" height=\"12\" fill=\"\(Self.shade(Double(i) / 49))\"/>")
        }
        s.text(x, y + 28, "0", size: 12, anchor: "middle")
        s.text(x + 300, y + 28, "1", size: 12, anchor: "middle")
    }

    /// Up to 12 features: the data's count frequencies with each weighted component's Poisson
    /// probabilities πₖ Pois(x | λₖ) and their sum; counts spanning more than 60 values are
    /// grouped into at most 60 bins of equal width, each curve then summing its probabilities
    /// over a bin's counts.
    func rates(_ s: inout SVG) {
        let p = model.parameters
        let K = p.components, D = min(p.features, 12)
        let columns = D <= 1 ? 1 : D <= 4 ? 2 : 3, rows = (D + columns - 1) / columns
        let pw = 600 / Double(columns), ph = 520 / Double(rows)
        for j in 0..<D {
            let counts = (0..<sample.rows).map { Int(min(1e15, max(0, sample[$0, j].rounded()))) }
            let rates = (0..<K).map { p.means[$0, j] }
            // The counts shown: the data's, and each component's mean ± 3 standard deviations.
            let lo = max(0, min(counts.min() ?? 0, Int((rates.map { $0 - 3 * $0.squareRoot() }.min() ?? 0).rounded(.down))))
            let hi = max(lo + 1, max(counts.max() ?? 0, Int((rates.map { $0 + 3 * $0.squareRoot() + 1 }.max() ?? 1).rounded(.up))))
            let width = max(1, (hi - lo + 60) / 60), bins = (hi - lo) / width + 1
            var freq = [Double](repeating: 0, count: bins)
            for c in counts { freq[min(bins - 1, max(0, (c - lo) / width))] += 1 / Double(max(1, counts.count)) }
            func mass(_ b: Int, _ k: Int) -> Double {  // P(count in bin b) for component k, weighted
                let l = rates[k]
                return (0..<width).reduce(0.0) { acc, o in
                    let x = Double(lo + b * width + o)
                    return acc + (l > 0 ? exp(x * log(l) - l - lgamma(x + 1)) : (x == 0 ? 1 : 0))
                } * p.weights[k]
            }
            let comp = (0..<K).map { k in (0..<bins).map { mass($0, k) } }
            let mix = (0..<bins).map { b in (0..<K).reduce(0.0) { $0 + comp[$1][b] } }
            let centre = { (b: Int) in Double(lo + b * width) + Double(width - 1) / 2 }
            let frame = Frame(x: 95 + Double(j % columns) * pw, y: 70 + Double(j / columns) * ph, width: pw - 105, height: ph - 60,
                              xs: [centre(0) - Double(width) / 2, centre(bins - 1) + Double(width) / 2],
                              ys: [0, max(freq.max() ?? 0, mix.max() ?? 0)], zeroY: true)
            frame.axes(&s, xLabel: width == 1 ? "count, feature \(j)" : "count (bins of \(width)), feature \(j)", yLabel: "frequency",
                       integerX: true)
            let w = frame.px(Double(width)) - frame.px(0)
            for (b, v) in freq.enumerated() where v > 0 {
                s.raw("<rect class=\"bar\" x=\"\(f(frame.px(centre(b)) - w * 0.4))\" y=\"\(f(frame.py(v)))\" width=\"\(f(w * 0.8))\" height=\"\(f(frame.py(0) - frame.py(v)))\" fill=\"#c9d3df\" stroke=\"#8a99ab\" stroke-width=\"0.5\"/>")
            }
            func line(_ ys: [Double]) -> String { ys.enumerated().map { "\(f(frame.px(centre($0.offset)))),\(f(frame.py($0.element)))" }.joined(separator: " ") }
            s.raw("<polyline class=\"mixture\" points=\"\(line(mix))\" fill=\"none\" stroke=\"black\" stroke-width=\"2.2\"/>")
            for k in 0..<K {
                s.raw("<polyline class=\"component\" points=\"\(line(comp[k]))\" fill=\"none\" stroke=\"\(PlotRenderer.palette[k % PlotRenderer.palette.count])\" stroke-width=\"1.6\" stroke-dasharray=\"5 3\"/>")
            }
        }
        if p.features > D { s.text(360, 640, "(the first 12 of \(p.features) features)", size: 13, anchor: "middle") }
    }
}
