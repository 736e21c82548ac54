import Foundation
import GMM
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("gmm command line, end to end")
struct CLITests {
    /// --truncate: the library's truncated fit bit for bit, recorded in the model file; a
    /// checkpoint of a truncated fit refuses an exact resume (and the reverse), naming both.
    @Test func truncatedFit() throws {
        let dir = try scratchDirectory()
        try GMMBinary.run(["generate", "-n", "4000", "-d", "4", "-k", "12", "--seed", "2", "--spread", "6", "-o", "X.npy"], in: dir)
        let r = try GMMBinary.run(["fit", "X.npy", "-k", "12", "--seed", "3", "--truncate", "1e-6", "-o", "m.json", "--checkpoint", "c.json",
                                   "--checkpoint-every", "1", "--quiet"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        guard case .float64(let X) = try NPY.read(dir.appendingPathComponent("X.npy").path) else { Issue.record(); return }
        var gm = GaussianMixture(components: 12, seed: 3)
        gm.truncation = 1e-6
        let library = try gm.fit(X)
        let model = try ModelFile.read(dir.appendingPathComponent("m.json").path)
        #expect(model.parameters == library.parameters && model.lowerBounds == library.lowerBounds)
        let text = try String(contentsOf: dir.appendingPathComponent("m.json"), encoding: .utf8)
        #expect(text.contains("\"truncation\": 1e-06"))
        let before = try Data(contentsOf: dir.appendingPathComponent("m.json"))
        let exact = try GMMBinary.run(["fit", "X.npy", "-k", "12", "--seed", "3", "--resume", "c.json", "-o", "m.json"], in: dir)
        #expect(exact.status == 1)
        #expect(exact.stderr.contains("truncation: checkpoint 1e-06, this fit none (exact)"), "\(exact.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("m.json")) == before)
        let resumed = try GMMBinary.run(["fit", "X.npy", "-k", "12", "--seed", "3", "--truncate", "1e-6", "--resume", "c.json", "-o", "r.json", "--quiet"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try ModelFile.read(dir.appendingPathComponent("r.json").path).parameters == library.parameters)
    }

    /// generate → fit → predict → score → sample → select → info → plot, checking every output.
    @Test func fullPipeline() throws {
        let dir = try scratchDirectory()
        @discardableResult func gmm(_ args: String...) throws -> CLIResult {
            let r = try GMMBinary.run(args, in: dir)
            #expect(r.status == 0, "gmm \(args.joined(separator: " ")): \(r.stderr)")
            return r
        }
        try gmm("generate", "-n", "6000", "-d", "3", "-k", "3", "--seed", "4", "--spread", "8", "-o", "X.npy",
                "--labels", "truth.npy", "--model", "truth.json")
        guard case .float64(let X) = try NPY.read(dir.appendingPathComponent("X.npy").path) else { Issue.record("X.npy not float64"); return }
        #expect(X.rows == 6000 && X.columns == 3)
        let truthHeader = try npyHeader(dir, "truth.npy")
        #expect(truthHeader.descr == "<i8" && truthHeader.shape == [6000] && !truthHeader.fortranOrder)
        #expect(try int64Values(dir, "truth.npy") == SyntheticMixture(components: 3, features: 3, spread: 8, seed: 4).sample(6000, seed: 5).labels.map(Int64.init))
        // The generated data are the library's synthetic mixture, bit for bit.
        let expected = SyntheticMixture(components: 3, features: 3, spread: 8, seed: 4).sample(6000, seed: 5)
        #expect(X == expected.points)

        let fit = try gmm("fit", "X.npy", "-k", "3", "--seed", "1", "-o", "model.json", "--labels", "labels.npy", "--json-progress")
        let progress = fit.stderr.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(!progress.isEmpty)
        for line in progress {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(Set(object?.keys.map { $0 } ?? []) == ["init", "iter", "lower_bound", "change", "seconds"])
        }
        let model = try ModelFile.read(dir.appendingPathComponent("model.json").path)
        #expect(model.components == 3 && model.features == 3 && model.converged)
        // The CLI fit is the library fit with the same settings, bit for bit through JSON.
        let library = try GaussianMixture(components: 3, seed: 1).fit(X)
        #expect(model.parameters == library.parameters)
        #expect(model.lowerBounds == library.lowerBounds)

        try gmm("predict", "model.json", "X.npy", "-o", "pred.npy", "--proba", "proba.npy")
        #expect(try npyHeader(dir, "pred.npy").shape == [6000])
        let probaHeader = try npyHeader(dir, "proba.npy")
        #expect(probaHeader.descr == "<f8" && probaHeader.shape == [6000, 3] && probaHeader.dataOffset % 64 == 0)
        #expect(try Data(contentsOf: dir.appendingPathComponent("pred.npy")) == Data(contentsOf: dir.appendingPathComponent("labels.npy")))
        let labels = try int64Values(dir, "pred.npy")
        #expect(labels == (try library.predict(X)).map(Int64.init))
        guard case .float64(let P) = try NPY.read(dir.appendingPathComponent("proba.npy").path) else { Issue.record(); return }
        #expect(P == (try library.predictProbabilities(X)))

        let score = try gmm("score", "model.json", "X.npy", "--json", "--per-sample", "logp.npy")
        let s = try JSONSerialization.jsonObject(with: Data(score.stdout.utf8)) as? [String: Double]
        #expect(close(s?["score"] ?? 0, try library.score(X), 1e-12))
        #expect(close(s?["bic"] ?? 0, try library.bic(X), 1e-12))
        #expect(close(s?["aic"] ?? 0, try library.aic(X), 1e-12))
        guard case .float64(let logp) = try NPY.read(dir.appendingPathComponent("logp.npy").path) else { Issue.record(); return }
        #expect(logp.elements == (try library.scoreSamples(X)))

        try gmm("sample", "model.json", "-n", "500", "--seed", "9", "-o", "S.csv", "--labels", "SL.npy")
        let sampleCSV = try CSV.read(dir.appendingPathComponent("S.csv").path)
        #expect(try sampleCSV == model.sample(500, seed: 9).points)
        #expect(try npyHeader(dir, "SL.npy").shape == [500])

        let select = try gmm("select", "X.npy", "-k", "1...5", "--covariance", "full,diag", "--seed", "2", "-o", "best.json", "-q")
        let table = select.stdout.split(separator: "\n")
        #expect(table.count == 11)  // header + 10 candidates
        #expect(table[1].contains("  3  ") && table[1].contains("full"))
        #expect(try ModelFile.read(dir.appendingPathComponent("best.json").path).components == 3)

        let info = try gmm("info", "model.json")
        for field in ["covariance type      full", "components           3", "features             3", "converged            yes"] {
            #expect(info.stdout.contains(field), "info lacks '\(field)'")
        }

        try gmm("plot", "model.json", "X.npy", "-o", "fit.svg")
        try checkSVG(dir.appendingPathComponent("fit.svg"), components: 3, iterations: model.iterations)
        #expect(try listing(dir).allSatisfy { !$0.hasPrefix(".") }, "no temporary files left behind")
    }

    /// Parses the SVG, counts its marks, and renders it with rsvg-convert (installed by make).
    func checkSVG(_ url: URL, components: Int, iterations: Int) throws {
        let data = try Data(contentsOf: url)
        final class Counter: NSObject, XMLParserDelegate {
            var counts: [String: Int] = [:]
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                counts[name, default: 0] += 1
            }
        }
        let parser = XMLParser(data: data)
        let counter = Counter()
        parser.delegate = counter
        #expect(parser.parse(), "the SVG is well-formed XML")
        #expect(counter.counts["polygon"] == 2 * components, "1σ and 2σ ellipses per component")
        #expect((counter.counts["circle"] ?? 0) >= 4000, "scatter points")
        #expect(counter.counts["polyline"] == 1, "lower-bound trace")
        try checkRendered(url)
    }

    /// One feature (the issue's example: 0.75 N(0, 1) + 0.25 N(4, 0.5²), K = 2): a histogram on
    /// the density scale under the mixture density and each weighted component's, no scatter
    /// or ellipses; the bars' area is the density's and the curve peaks where the density does.
    @Test func oneFeatureDensityPlot() throws {
        let dir = try scratchDirectory()
        var rng = SeededGenerator(seed: 11)
        let x = (0..<4000).map { _ in rng.nextUnit() < 0.75 ? rng.nextGaussian() : 4 + 0.5 * rng.nextGaussian() }
        try write(x.map { "\($0)\n" }.joined(), "one.csv", in: dir)
        #expect(try GMMBinary.run(["fit", "one.csv", "-k", "2", "--seed", "1", "-o", "m.json", "-q"], in: dir).status == 0)
        let r = try GMMBinary.run(["plot", "m.json", "one.csv", "-o", "one.svg"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let url = dir.appendingPathComponent("one.svg")
        final class Marks: NSObject, XMLParserDelegate {
            var counts: [String: Int] = [:]
            var bars: [(x: Double, y: Double, w: Double, h: Double)] = []
            var paths: [String: [String]] = [:]
            var texts: [String] = [], inText = false
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                counts[name, default: 0] += 1
                if name == "rect", attributes["class"] == "bar" {
                    bars.append((Double(attributes["x"]!)!, Double(attributes["y"]!)!, Double(attributes["width"]!)!, Double(attributes["height"]!)!))
                }
                if name == "path", let c = attributes["class"] { paths[c, default: []].append(attributes["d"] ?? "") }
                inText = name == "text"
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { texts.append(string) } }
        }
        let parser = XMLParser(data: try Data(contentsOf: url))
        let marks = Marks()
        parser.delegate = marks
        #expect(parser.parse(), "the SVG is well-formed XML")
        #expect(marks.bars.count >= 15 && marks.bars.count <= 60, "Freedman–Diaconis bins: \(marks.bars.count)")
        #expect(marks.paths["mixture"]?.count == 1 && marks.paths["component"]?.count == 2)
        #expect(marks.counts["polygon"] == nil && (marks.counts["circle"] ?? 0) < 60, "no scatter, no ellipses")
        #expect(marks.texts.contains("density") && marks.texts.contains("x0"))
        // Pixel geometry: the x axis spans the data, the y axis starts at 0, so the bars' total
        // area in data units is 1 when pixels are converted with the axes' own ticks.
        func points(_ d: String) -> [(Double, Double)] {
            d.split(whereSeparator: { $0 == "M" || $0 == "L" }).map { p in
                let xy = p.split(separator: ","); return (Double(xy[0])!, Double(xy[1])!)
            }
        }
        let mixture = points(marks.paths["mixture"]![0])
        #expect(mixture.count == 400)
        let baseline = marks.bars.map { $0.y + $0.h }.max()!
        #expect(marks.bars.allSatisfy { abs($0.y + $0.h - baseline) < 0.02 }, "bars stand on one baseline")
        // The mixture's highest point is near x = 0 (the N(0, 1) part: 0.75 × 0.399 = 0.30 against
        // 0.25 × 0.798 = 0.20 at x = 4), and its second peak near x = 4.
        let peak = mixture.min { $0.1 < $1.1 }!
        let left = marks.bars.map(\.x).min()!, right = marks.bars.map { $0.x + $0.w }.max()!
        let data = (x.min()!, x.max()!)
        let xAt = { (px: Double) in data.0 + (px - left) / (right - left) * (data.1 - data.0) }
        #expect(abs(xAt(peak.0)) < 0.3, "mixture peak at \(xAt(peak.0))")
        // Density scale: the bars' area equals the area under the mixture curve (both 1 in data
        // units; the same axes convert both to pixels).
        let barArea = marks.bars.reduce(0) { $0 + $1.w * $1.h }
        let curveArea = zip(mixture, mixture.dropFirst()).reduce(0) { $0 + ($1.1.0 - $1.0.0) * (2 * baseline - $1.0.1 - $1.1.1) / 2 }
        #expect(abs(barArea / curveArea - 1) < 0.03, "histogram area / density area = \(barArea / curveArea)")
        try checkRendered(url)
    }

    /// select --plot and --table: one line per covariance type, a mark per candidate, the
    /// chosen one ringed; the table lists every candidate with the ranking's values; bad
    /// extensions are refused before any fit, writing nothing.
    @Test func selectionPlotAndTable() throws {
        let dir = try scratchDirectory()
        try GMMBinary.run(["generate", "-n", "1500", "-d", "2", "-k", "3", "--seed", "6", "--spread", "6", "-o", "X.npy"], in: dir)
        let r = try GMMBinary.run(["select", "X.npy", "-k", "1...4", "--covariance", "full,diag", "--seed", "2", "-o", "best.json",
                                   "--plot", "bic.svg", "--table", "bic.csv", "-q"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let ranked = r.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        let csv = try String(contentsOf: dir.appendingPathComponent("bic.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "rank,n_components,type,criterion,bic,mean_log_likelihood,free_parameters,n_iter,converged,held_by_regularization,failure")
        #expect(csv.count == 9)
        for (row, line) in zip(csv.dropFirst(), ranked) {  // the printed ranking, row for row
            let cells = row.split(separator: ",", omittingEmptySubsequences: false)
            #expect(cells[1] == line[1] && cells[2] == line[2], "\(row) vs \(line)")
            #expect(String(format: "%.3f", Double(cells[4])!) == String(line[3]))
        }
        let marks = try svgClasses(dir.appendingPathComponent("bic.svg"))
        #expect(marks.classes["criterion"] == 2, "one line per covariance type")
        #expect((marks.classes["candidate"] ?? 0) + (marks.classes["held"] ?? 0) + (marks.classes["failed"] ?? 0) == 8)
        #expect(marks.classes["best"] == 1)
        try checkRendered(dir.appendingPathComponent("bic.svg"))
        // JSON: the same candidates.
        let j = try GMMBinary.run(["select", "X.npy", "-k", "1...4", "--covariance", "full,diag", "--seed", "2", "-o", "best2.json",
                                   "--table", "bic.json", "-q"], in: dir)
        #expect(j.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("bic.json"))) as? [String: Any]
        let candidates = object?["candidates"] as? [[String: Any]] ?? []
        #expect(object?["criterion"] as? String == "bic" && candidates.count == 8)
        #expect(Set(candidates.first?.keys.map { $0 } ?? []) == ["rank", "n_components", "type", "bic", "mean_log_likelihood", "free_parameters",
                                                                    "n_iter", "converged", "held_by_regularization", "failure"])
        #expect(try Data(contentsOf: dir.appendingPathComponent("best.json")) == Data(contentsOf: dir.appendingPathComponent("best2.json")))
        for (args, message) in [(["--plot", "bic.png"], "gmm: error: --plot: bic.png: the plot must be an .svg file"),
                                (["--table", "bic.txt"], "gmm: error: --table: bic.txt: the table must be a .csv or .json file"),
                                (["--table", "X.npy"], nil)] {
            let bad = try GMMBinary.run(["select", "X.npy", "-k", "1,2", "-o", "b3.json", "-q"] + args, in: dir)
            #expect(bad.status == 1)
            if let message { #expect(bad.stderr.trimmingCharacters(in: .whitespacesAndNewlines) == message) }
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("b3.json").path))
        }
    }

    /// --uncertainty: the 5 % of points with the largest 1 − max responsibility drawn large,
    /// the next 20 % medium (as the library's responsibilities rank them); refused for d = 1.
    @Test func uncertaintyPlot() throws {
        let dir = try scratchDirectory()
        try GMMBinary.run(["generate", "-n", "3000", "-d", "2", "-k", "3", "--seed", "8", "--spread", "3", "-o", "X.npy"], in: dir)
        #expect(try GMMBinary.run(["fit", "X.npy", "-k", "3", "--seed", "1", "-o", "m.json", "-q"], in: dir).status == 0)
        let r = try GMMBinary.run(["plot", "m.json", "X.npy", "-o", "u.svg", "--uncertainty"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let marks = try svgClasses(dir.appendingPathComponent("u.svg"))
        guard case .float64(let X) = try NPY.read(dir.appendingPathComponent("X.npy").path) else { Issue.record(); return }
        let model = try ModelFile.read(dir.appendingPathComponent("m.json").path)
        let gamma = try model.predictProbabilities(X)
        let u = (0..<X.rows).map { i in 1 - (0..<3).map { gamma[i, $0] }.max()! }.sorted()
        let q95 = u[Int(0.95 * Double(u.count))], q75 = u[Int(0.75 * Double(u.count))]
        #expect(marks.classes["uncertain-high"] == u.filter { $0 >= q95 && $0 > 0 }.count)
        #expect(marks.classes["uncertain-mid"] == u.filter { $0 >= q75 && $0 < q95 && $0 > 0 }.count)
        #expect((marks.classes["uncertain-high"] ?? 0) + (marks.classes["uncertain-mid"] ?? 0) + (marks.classes["uncertain-low"] ?? 0) == 3000)
        try checkRendered(dir.appendingPathComponent("u.svg"))
        try write((0..<50).map { "\(Double($0 % 7))\n" }.joined(), "one.csv", in: dir)
        #expect(try GMMBinary.run(["fit", "one.csv", "-k", "2", "--seed", "1", "-o", "m1.json", "-q"], in: dir).status == 0)
        let bad = try GMMBinary.run(["plot", "m1.json", "one.csv", "-o", "u1.svg", "--uncertainty"], in: dir)
        #expect(bad.status == 1 && bad.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                == "gmm: error: --uncertainty: needs two or more features (this model has 1)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("u1.svg").path))
    }

    /// Bernoulli, categorical and Poisson fits: heat maps (one cell per component and coded
    /// column, shaded by the probability), images with --image-shape (one pixel per feature),
    /// Poisson panels (data bars, one mixture and K component curves per feature); every picture
    /// renders; misuse is one line, exit 1, no file.
    @Test func discreteFamilyPictures() throws {
        let dir = try scratchDirectory()
        var rng = SeededGenerator(seed: 5)
        // Two 4 × 4 binary prototypes (a bar and a frame), 5 % of pixels flipped.
        let prototypes = [(0..<16).map { $0 % 4 == 1 ? 1 : 0 }, (0..<16).map { $0 < 4 || $0 >= 12 || $0 % 4 == 0 || $0 % 4 == 3 ? 1 : 0 }]
        let binary = (0..<400).map { i in prototypes[i % 2].map { rng.nextUnit() < 0.05 ? 1 - $0 : $0 }.map(String.init).joined(separator: ",") }
        try write(binary.joined(separator: "\n") + "\n", "bin.csv", in: dir)
        let codes = (0..<300).map { i in "\(i % 3),\((i / 3) % 2),\(i % 4)" }
        try write(codes.joined(separator: "\n") + "\n", "codes.csv", in: dir)
        let counts = (0..<500).map { i -> String in
            let lam = i % 2 == 0 ? 2.0 : 9.0
            var k = 0, p = exp(-lam), s = p, u = rng.nextUnit()
            while u > s && k < 60 { k += 1; p *= lam / Double(k); s += p }
            return "\(k),\(k / 2)"
        }
        try write(counts.joined(separator: "\n") + "\n", "counts.csv", in: dir)
        for (data, family, k) in [("bin.csv", "bernoulli", 2), ("codes.csv", "categorical", 3), ("counts.csv", "poisson", 2)] {
            let r = try GMMBinary.run(["fit", data, "--family", family, "-k", "\(k)", "--seed", "1", "-o", "\(family).json", "-q"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
        }
        func classes(_ name: String) throws -> [String: Int] {
            try checkRendered(dir.appendingPathComponent(name))
            return try svgClasses(dir.appendingPathComponent(name)).classes
        }
        func plot(_ args: [String]) throws -> CLIResult { try GMMBinary.run(["plot"] + args, in: dir) }
        #expect(try plot(["bernoulli.json", "bin.csv", "-o", "heat.svg"]).status == 0)
        #expect(try classes("heat.svg")["cell"] == 2 * 16)
        #expect(try plot(["bernoulli.json", "bin.csv", "-o", "img.svg", "--image-shape", "4,4"]).status == 0)
        #expect(try classes("img.svg")["pixel"] == 2 * 16)
        // The images are the prototypes: a dark pixel where the prototype has a 1.
        let img = try String(contentsOf: dir.appendingPathComponent("img.svg"), encoding: .utf8)
        // A pixel's probability from its shade: red = 255 - 247 p.
        let shades = img.components(separatedBy: "class=\"pixel\"").dropFirst().compactMap { part -> Double? in
            guard let r = part.range(of: "fill=\"#") else { return nil }
            return Int(part[r.upperBound...].prefix(2), radix: 16).map { (255 - Double($0)) / 247 }
        }
        #expect(shades.count == 32)
        #expect(shades.filter { $0 > 0.5 }.count == 4 + 12, "the prototypes' ones: \(shades.filter { $0 > 0.5 }.count)")
        #expect(try plot(["categorical.json", "codes.csv", "-o", "cat.svg"]).status == 0)
        #expect(try classes("cat.svg")["cell"] == 3 * (3 + 2 + 4))
        #expect(try plot(["poisson.json", "counts.csv", "-o", "pois.svg"]).status == 0)
        let pois = try classes("pois.svg")
        #expect(pois["mixture"] == 2 && pois["component"] == 4 && (pois["bar"] ?? 0) > 10)
        for (args, message) in [
            (["bernoulli.json", "bin.csv", "-o", "x.svg", "--image-shape", "3,5"], "gmm: error: --image-shape: '3,5' must be H,W with H × W = the model's 16 features"),
            (["poisson.json", "counts.csv", "-o", "x.svg", "--image-shape", "1,2"], "gmm: error: --image-shape: applies to Bernoulli mixtures (this model is a poisson mixture)"),
            (["bernoulli.json", "bin.csv", "-o", "x.svg", "--uncertainty"], "gmm: error: --uncertainty: draws Gaussian fits (this model is a bernoulli mixture)"),
        ] {
            let bad = try plot(args)
            #expect(bad.status == 1 && bad.stderr.trimmingCharacters(in: .whitespacesAndNewlines) == message, "\(bad.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.svg").path))
        }
    }

    /// Counts the SVG's elements by their class attribute (the marks a picture is made of);
    /// the SVG must be well-formed XML.
    final class ClassCounter: NSObject, XMLParserDelegate {
        var classes: [String: Int] = [:]
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if let c = attributes["class"] { classes[c, default: 0] += 1 }
        }
    }

    func svgClasses(_ url: URL) throws -> ClassCounter {
        let parser = XMLParser(data: try Data(contentsOf: url))
        let counter = ClassCounter()
        parser.delegate = counter
        #expect(parser.parse(), "\(url.lastPathComponent) is well-formed XML")
        return counter
    }

    func checkRendered(_ url: URL) throws {
        let png = url.deletingPathExtension().appendingPathExtension("png")
        let render = Process()
        render.executableURL = URL(fileURLWithPath: "/usr/bin/rsvg-convert")
        render.arguments = [url.path, "-o", png.path]
        try render.run()
        render.waitUntilExit()
        #expect(render.terminationStatus == 0)
        let bytes = try Data(contentsOf: png)
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) && bytes.count > 20_000, "a real picture was rendered")
    }

    @Test func progressIsHumanOrQuiet() throws {
        let dir = try scratchDirectory()
        try write("1,2\n1.5,2.5\n3,1\n0,0\n5,5\n4,4.5\n", "x.csv", in: dir)
        let human = try GMMBinary.run(["fit", "x.csv", "-k", "2", "--seed", "1", "-o", "m.json"], in: dir)
        #expect(human.status == 0)
        #expect(human.stderr.contains("mean log-likelihood") && human.stderr.contains("ETA"))
        let quiet = try GMMBinary.run(["fit", "x.csv", "-k", "2", "--seed", "1", "-o", "m2.json", "--quiet"], in: dir)
        #expect(quiet.status == 0 && quiet.stderr.isEmpty)
        #expect(try Data(contentsOf: dir.appendingPathComponent("m.json")) == Data(contentsOf: dir.appendingPathComponent("m2.json")))
    }

    @Test func csvFromStandardInputWithHeaderAndTabs() throws {
        let dir = try scratchDirectory()
        let r = try GMMBinary.run(["fit", "-", "-k", "1", "--seed", "1", "-o", "m.json", "-q"], in: dir,
                                  stdin: "a\tb\n1\t2\n3\t4\n5\t7\n")
        #expect(r.status == 0, "\(r.stderr)")
        let m = try ModelFile.read(dir.appendingPathComponent("m.json").path)
        #expect(zip(m.means.elements, [3, 13.0 / 3]).allSatisfy { close($0, $1, 1e-14) })
    }

    @Test func numpyWrittenFilesAreRead() throws {
        guard case .float64(let f8) = try NPY.read(fixtures.appendingPathComponent("f8_4x3.npy").path) else { Issue.record(); return }
        #expect(f8.rows == 4 && f8.columns == 3)
        #expect(f8.elements == [1.5, -2.0, 3.25, 0.0, 1e-300, -7.0, 2.5, 4.0, 1e300, -0.125, 6.0, 8.5])
        guard case .float32(let f4) = try NPY.read(fixtures.appendingPathComponent("f4_4x3.npy").path) else { Issue.record("float32 must stay float32"); return }
        #expect(f4.elements == [1.5, -2.0, 3.25, 0.0, 0.5, -7.0, 2.5, 4.0, 100.0, -0.125, 6.0, 8.5])
        guard case .float64(let one) = try NPY.read(fixtures.appendingPathComponent("f8_1d.npy").path) else { Issue.record(); return }
        #expect(one.rows == 5 && one.columns == 1 && one.elements == [0.5, 1.5, -2.5, 3.0, 4.0])
        // Our writer produces the very bytes numpy writes.
        let dir = try scratchDirectory()
        try NPY.write(f8, to: dir.appendingPathComponent("ours.npy").path)
        #expect(try Data(contentsOf: dir.appendingPathComponent("ours.npy")) == Data(contentsOf: fixtures.appendingPathComponent("f8_4x3.npy")))
        try NPY.write(f4, to: dir.appendingPathComponent("ours32.npy").path)
        #expect(try Data(contentsOf: dir.appendingPathComponent("ours32.npy")) == Data(contentsOf: fixtures.appendingPathComponent("f4_4x3.npy")))
        try NPY.write(one, to: dir.appendingPathComponent("ours1d.npy").path, oneDimensional: true)
        #expect(try Data(contentsOf: dir.appendingPathComponent("ours1d.npy")) == Data(contentsOf: fixtures.appendingPathComponent("f8_1d.npy")))
    }

    @Test func float32FilesAreFittedAsFloat32() throws {
        let dir = try scratchDirectory()
        try GMMBinary.run(["generate", "-n", "3000", "-d", "2", "-k", "2", "--seed", "3", "--float32", "-o", "X32.npy"], in: dir)
        #expect(try npyHeader(dir, "X32.npy").descr == "<f4")
        let r = try GMMBinary.run(["fit", "X32.npy", "-k", "2", "--seed", "1", "-o", "m.json", "-q"], in: dir)
        #expect(r.status == 0)
        guard case .float32(let X) = try NPY.read(dir.appendingPathComponent("X32.npy").path) else { Issue.record(); return }
        let library = try GaussianMixture(components: 2, seed: 1).fit(X)
        #expect(try ModelFile.read(dir.appendingPathComponent("m.json").path).parameters == library.parameters)
    }

    func npyHeader(_ dir: URL, _ name: String) throws -> NPY.Header {
        let data = try Data(contentsOf: dir.appendingPathComponent(name))
        return try data.withUnsafeBytes { try NPY.parseHeader($0, path: name) }
    }

    func int64Values(_ dir: URL, _ name: String) throws -> [Int64] {
        let data = try Data(contentsOf: dir.appendingPathComponent(name))
        let offset = try npyHeader(dir, name).dataOffset
        return data[offset...].withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
    }
}

func close(_ a: Double, _ b: Double, _ tol: Double) -> Bool { abs(a - b) <= tol * max(abs(a), abs(b), 1) }
