#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Delimited text (read side; the CLI's ArrayWriter writes both CSV and .npy outputs): comma-, tab- or whitespace-separated numbers, one row per line, with an
/// optional header line (detected when its fields are not all numbers). Blank lines are
/// skipped; every error names the line (1-based) and column (1-based).
public enum CSV {
    /// Reads `path` ("-" for standard input) into a float64 matrix.
    public static func read(_ path: String) throws -> Matrix<Double> {
        if path != "-" {
            try FilePaths.checkInput(path)
            // The text, the parsed values and the matrix: about three times the file's size.
            var info = stat()
            if stat(path, &info) == 0 {
                try Resources.requireMemory(3 * Double(info.st_size), for: "Reading the CSV file \(path)",
                                            advice: "convert it to a .npy file, which is memory-mapped, not read")
            }
        }
        let data = try FilePaths.readAll(path)
        let name = path == "-" ? "<stdin>" : path
        return try data.withUnsafeBytes { try parse($0, name: name) }
    }

    /// Parses CSV text held in memory; `name` names it in errors.
    public static func parse(_ bytes: UnsafeRawBufferPointer, name: String) throws -> Matrix<Double> {
        var values: [Double] = []
        var columns = -1
        var delimiter: UInt8?  // nil: runs of spaces/tabs
        var lineNumber = 0
        var sawHeaderCandidate = false
        var field = [CChar](repeating: 0, count: 64)
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            var stop = end
            if stop > start, bytes[stop - 1] == 0x0D { stop -= 1 }
            defer { start = end + 1 }
            let line = UnsafeRawBufferPointer(rebasing: bytes[start..<stop])
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            if columns < 0 {
                delimiter = line.contains(0x2C) ? 0x2C : (line.contains(0x09) && !line.contains(0x20) ? 0x09 : nil)
            }
            let fields = split(line, delimiter)
            var row: [Double] = []
            row.reserveCapacity(fields.count)
            var bad: (column: Int, text: String)?
            var numbers = 0
            for (c, f) in fields.enumerated() {
                let trimmed = trim(UnsafeRawBufferPointer(rebasing: line[f]))
                if let v = number(trimmed, &field) {
                    guard v.isFinite else {
                        throw DataFileError.nonFinite(path: name, line: lineNumber, column: c + 1, text: String(decoding: trimmed, as: UTF8.self))
                    }
                    row.append(v)
                    numbers += 1
                } else {
                    bad = bad ?? (c + 1, String(decoding: trimmed, as: UTF8.self))
                }
            }
            if let bad {
                // A first line with no number at all is a header (one with some numbers is a
                // data row with a bad cell, reported below).
                if columns < 0 && !sawHeaderCandidate && values.isEmpty && numbers == 0 && !fields.isEmpty
                    && !fields.contains(where: { CSV.isComplex(String(decoding: trim(UnsafeRawBufferPointer(rebasing: line[$0])), as: UTF8.self)) }) {
                    sawHeaderCandidate = true
                    continue
                }
                if isComplex(bad.text) {
                    throw DataFileError.complexData(path: name, what: "line \(lineNumber), column \(bad.column): '\(bad.text)'")
                }
                throw DataFileError.notANumber(path: name, line: lineNumber, column: bad.column, text: bad.text)
            }
            if columns < 0 { columns = row.count }
            guard row.count == columns else {
                throw DataFileError.raggedRow(path: name, line: lineNumber, expected: columns, got: row.count)
            }
            values.append(contentsOf: row)
        }
        guard columns > 0, !values.isEmpty else {
            if sawHeaderCandidate { throw DataFileError.headerOnly(path: name) }
            throw DataFileError.empty(path: name)
        }
        return Matrix(rows: values.count / columns, columns: columns, elements: values)
    }

    /// A complex literal as numpy and Python write them: 1j, 2.5-1e-3j, (1+2j).
    static func isComplex(_ text: String) -> Bool {
        var t = Substring(text)
        if t.hasPrefix("("), t.hasSuffix(")") { t = t.dropFirst().dropLast() }
        guard t.hasSuffix("j") || t.hasSuffix("J") else { return false }
        t = t.dropLast()
        if t.isEmpty || t == "+" || t == "-" { return true }
        if Double(t) != nil { return true }  // a pure imaginary number
        // real ± imaginary: split at the last sign that does not follow an exponent marker.
        let chars = Array(t)
        for i in stride(from: chars.count - 1, to: 0, by: -1) where chars[i] == "+" || chars[i] == "-" {
            if chars[i - 1] == "e" || chars[i - 1] == "E" { continue }
            let real = String(chars[..<i]), imaginary = String(chars[i...])
            return Double(real) != nil && (Double(imaginary) != nil || imaginary == "+" || imaginary == "-")
        }
        return false
    }

    private static func split(_ line: UnsafeRawBufferPointer, _ delimiter: UInt8?) -> [Range<Int>] {
        var out: [Range<Int>] = []
        if let delimiter {
            var s = 0
            for i in 0..<line.count where line[i] == delimiter { out.append(s..<i); s = i + 1 }
            out.append(s..<line.count)
        } else {
            var i = 0
            while i < line.count {
                while i < line.count, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
                guard i < line.count else { break }
                let s = i
                while i < line.count, line[i] != 0x20 && line[i] != 0x09 { i += 1 }
                out.append(s..<i)
            }
        }
        return out
    }

    private static func trim(_ f: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var a = 0, b = f.count
        while a < b, f[a] == 0x20 || f[a] == 0x09 || f[a] == 0x22 { a += 1 }  // spaces, tabs, quotes
        while b > a, f[b - 1] == 0x20 || f[b - 1] == 0x09 || f[b - 1] == 0x22 { b -= 1 }
        return UnsafeRawBufferPointer(rebasing: f[a..<b])
    }

    /// strtod over the whole field, or nil (empty fields, trailing junk and C's hexadecimal
    /// numbers, which numpy does not read, are not numbers).
    private static func number(_ f: UnsafeRawBufferPointer, _ scratch: inout [CChar]) -> Double? {
        guard !f.isEmpty, f.count < 512, !f.contains(0x78), !f.contains(0x58) else { return nil }
        if scratch.count <= f.count { scratch = [CChar](repeating: 0, count: f.count + 1) }
        return scratch.withUnsafeMutableBufferPointer { buffer -> Double? in
            for i in 0..<f.count { buffer[i] = CChar(bitPattern: f[i]) }
            buffer[f.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let v = strtod(buffer.baseAddress!, &end)
            return end == buffer.baseAddress! + f.count ? v : nil
        }
    }
}
