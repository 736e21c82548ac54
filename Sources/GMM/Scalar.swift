import CKernels

/// Element types the engine reads data in. Float data are fitted in place, never converted as
/// a whole: each block is centred in float64 and rounded to float32, the E-step and the sums
/// within a block run in float32 on 8 lanes, and sums across blocks and all parameters are
/// float64 (results agree with a float64 fit of the same values to about 1e-7).
public protocol GMMScalar: BinaryFloatingPoint, Sendable {
    /// True for 32-bit storage.
    static var isFloat32: Bool { get }
}

extension Double: GMMScalar {
    public static var isFloat32: Bool { false }
}

extension Float: GMMScalar {
    public static var isFloat32: Bool { true }
}

extension Matrix where Element: GMMScalar {
    /// Throws `.nonFiniteInput` naming the first NaN or infinite value (row, column).
    func checkFinite() throws {
        let index = withUnsafeBufferPointer { gmm_first_nonfinite($0.baseAddress, Element.isFloat32 ? 1 : 0, $0.count) }
        guard index >= 0 else { return }
        throw GaussianMixtureError.nonFiniteInput(row: index / columns, column: index % columns,
                                                  isNaN: storage.pointer[index].isNaN)
    }

    /// Row `index` widened to Double.
    func doubleRow(_ index: Int) -> [Double] { row(index).map { Double($0) } }
}
