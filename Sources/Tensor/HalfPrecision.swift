/// The 16-bit float formats PyTorch saves half-precision models in, widened to `Float`.
///
/// Both widen exactly: every IEEE binary16 value (F16, subnormals included) and every bfloat16
/// value (BF16: `Float`'s top 16 bits) is a `Float`. Infinities stay infinite and NaNs stay NaN
/// with their payload, so a non-finite weight is still caught by the checks that follow reading.
/// Bit manipulation rather than the CPU's conversion instruction, so that nothing depends on
/// which one the build or the machine has.
public enum HalfPrecision {
    /// The stored 16-bit formats that safetensors files read as float32.
    public enum Format: String, Sendable, CaseIterable {
        case float16 = "F16", bfloat16 = "BF16"
    }

    /// The `Float` of an IEEE binary16 bit pattern.
    public static func float(fromFloat16 bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let fraction = UInt32(bits & 0x3FF)
        switch exponent {
        case 0x1F:
            // Infinity or NaN: all-ones exponent, fraction (the NaN payload) moved to the top.
            return Float(bitPattern: sign | 0x7F80_0000 | fraction << 13)
        case 0 where fraction == 0:
            return Float(bitPattern: sign)
        case 0:
            // Subnormal: fraction × 2⁻²⁴, a normal Float. Shift the leading one up to bit 10.
            var shifted = fraction, e: UInt32 = 127 - 15 + 1
            while shifted & 0x400 == 0 { shifted <<= 1; e -= 1 }
            return Float(bitPattern: sign | e << 23 | (shifted & 0x3FF) << 13)
        default:
            return Float(bitPattern: sign | (exponent + 127 - 15) << 23 | fraction << 13)
        }
    }

    /// The `Float` of a bfloat16 bit pattern: its upper half.
    public static func float(fromBFloat16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Widens little-endian 16-bit elements of `format` to `Float`s.
    static func widen(_ bytes: UnsafeRawBufferPointer, format: Format) -> [Float] {
        let count = bytes.count / 2
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            for i in 0..<count {
                let bits = UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8
                out[i] = format == .float16 ? float(fromFloat16: bits) : float(fromBFloat16: bits)
            }
            initialized = count
        }
    }
}
