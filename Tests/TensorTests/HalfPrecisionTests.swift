import Foundation
import XCTest
import Tensor

/// F16 and BF16 tensors in safetensors files (as PyTorch saves half-precision models) read as
/// float32, exactly: against the values the Python `safetensors` package wrote
/// (Fixtures/make_fixtures.py, `half.safetensors`), and against the compiler's own conversion
/// for every one of the 65536 bit patterns.
final class HalfPrecisionTests: XCTestCase {
    private func halfFixture() throws -> SafetensorsFile {
        let path = try XCTUnwrap(Bundle.module.path(forResource: "half.safetensors", ofType: nil, inDirectory: "Fixtures"))
        return try SafetensorsFile.read(path)
    }

    /// Bit-for-bit equality, so that −0, subnormals and the exact roundings all count.
    private func assertBits(_ ours: [Float], _ expected: [Float], _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(ours.map(\.bitPattern), expected.map(\.bitPattern),
                       "\(name): \(ours) against \(expected)", file: file, line: line)
    }

    func testF16TensorsReadExactlyIncludingSubnormals() throws {
        let file = try halfFixture()
        let f16 = try file.tensor("f16", path: "half.safetensors")
        XCTAssertEqual(f16.shape, [1, 11])
        let subnormalUnit = Float(sign: .plus, exponent: -24, significand: 1)   // 2^-24
        assertBits(f16.scalars, [
            0, -0.0, 1, -2.5, 65504,
            Float(sign: .plus, exponent: -14, significand: 1),                 // smallest normal
            subnormalUnit, -subnormalUnit,                                      // smallest subnormal
            1023 * subnormalUnit,                                               // largest subnormal
            Float(sign: .plus, exponent: -15, significand: 1),                  // 0x0200
            0.0999755859375,                                                    // 0.1 in F16
        ], "f16")
    }

    func testBF16TensorsReadExactly() throws {
        let file = try halfFixture()
        let bf16 = try file.tensor("bf16", path: "half.safetensors")
        XCTAssertEqual(bf16.shape, [2, 4])
        assertBits(bf16.scalars, [
            1, -0.0, -1.5, 0.10009765625,
            Float.leastNormalMagnitude,                                         // 2^-126
            Float(sign: .plus, exponent: -133, significand: 1),                 // smallest BF16 subnormal
            3 * Float(sign: .plus, exponent: -127, significand: 1),             // a subnormal
            Float(sign: .plus, exponent: 127, significand: 2 - 1.0 / 128),      // largest BF16
        ], "bf16")
        XCTAssertEqual(try file.tensor("f32", path: "half.safetensors").scalars, [0.5, -3])
        XCTAssertEqual(file.widenedTensors, ["bf16": .bfloat16, "bf16_nonfinite": .bfloat16, "f16": .float16, "f16_nonfinite": .float16])
    }

    /// Infinities and NaN survive widening, so that the checkpoint readers still refuse them.
    func testNonFiniteHalfValuesStayNonFinite() throws {
        let file = try halfFixture()
        for name in ["f16_nonfinite", "bf16_nonfinite"] {
            let values = try file.tensor(name, path: "half.safetensors").scalars
            XCTAssertEqual(values[0], .infinity, name)
            XCTAssertEqual(values[1], -.infinity, name)
            XCTAssertTrue(values[2].isNaN, name)
            XCTAssertEqual(try file.tensor(name, path: "half.safetensors").firstNonFinite?.index, [0], name)
        }
    }

    /// Every F16 bit pattern against the compiler's `Float16` → `Float` conversion, and every
    /// BF16 one against the definition (the upper 16 bits of a float32).
    func testEveryBitPatternWidensLikeTheReference() {
        var mismatches = 0, bfloatMismatches = 0
        for bits in 0...UInt16.max {
            let reference = Float(Float16(bitPattern: bits))
            let ours = HalfPrecision.float(fromFloat16: bits)
            let same = reference.isNaN ? ours.isNaN && ours.sign == reference.sign : ours.bitPattern == reference.bitPattern
            if !same {
                mismatches += 1
                if mismatches < 5 { XCTFail("F16 0x\(String(bits, radix: 16)): ours \(ours), reference \(reference)") }
            }
            if HalfPrecision.float(fromBFloat16: bits).bitPattern != UInt32(bits) << 16 { bfloatMismatches += 1 }
        }
        XCTAssertEqual(mismatches, 0)
        XCTAssertEqual(bfloatMismatches, 0)
    }
}
