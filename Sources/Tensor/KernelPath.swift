import CKernels

/// Which instruction set the matrix-product kernels use. All paths give the same bits (see
/// `Gemm`); they differ only in speed. The fastest the CPU supports is the default, and
/// `REDERIVE_KERNELS=portable|avx2|avx512` forces one, for tests and for users who want to
/// see that the answer does not move.
public enum KernelPath: String, CaseIterable, Sendable {
    case portable, avx2, avx512

    /// The environment variable that forces a path.
    public static let environmentVariable = "REDERIVE_KERNELS"

    var cValue: rd_kernel_path {
        switch self {
        case .portable: RD_KERNEL_PATH_PORTABLE
        case .avx2: RD_KERNEL_PATH_AVX2
        case .avx512: RD_KERNEL_PATH_AVX512
        }
    }

    /// Whether this CPU can run the path.
    public var isSupported: Bool { rd_kernel_path_supported(cValue) != 0 }

    /// The paths this CPU can run, slowest first.
    public static var supported: [KernelPath] { allCases.filter(\.isSupported) }

    /// The path products use now.
    public static var current: KernelPath {
        switch rd_kernel_path_selected() {
        case RD_KERNEL_PATH_AVX512: .avx512
        case RD_KERNEL_PATH_AVX2: .avx2
        default: .portable
        }
    }

    /// Makes every later product use `path`.
    public static func select(_ path: KernelPath) throws(KernelPathError) {
        guard path.isSupported else { throw .unsupported(path, available: supported) }
        rd_kernel_path_select(path.cValue)
    }

    /// Selects the path that `REDERIVE_KERNELS` names, or the fastest supported one when it is
    /// unset or empty. Returns a one-time note for the user when products will be slow because
    /// the CPU has no fused multiply-add.
    @discardableResult
    public static func configure(environment: [String: String]) throws(KernelPathError) -> String? {
        if let requested = environment[environmentVariable], !requested.isEmpty {
            guard let path = KernelPath(rawValue: requested.lowercased()) else {
                throw .unknown(requested, available: supported)
            }
            try select(path)
        } else {
            rd_kernel_path_select(supported.last?.cValue ?? RD_KERNEL_PATH_PORTABLE)
        }
        guard current == .portable, rd_has_hardware_fma() == 0 else { return nil }
        return "this CPU has no fused multiply-add instruction, so matrix products use the portable " +
            "kernels with a software fma: the results are the same bytes, but slower"
    }
}

/// Why a kernel path could not be selected.
public enum KernelPathError: Error, Equatable, CustomStringConvertible {
    case unknown(String, available: [KernelPath])
    case unsupported(KernelPath, available: [KernelPath])

    public var description: String {
        switch self {
        case let .unknown(value, available):
            "\(KernelPath.environmentVariable)=\(value) is not a kernel path; use one of " +
                "\(available.map(\.rawValue).joined(separator: ", ")) (this CPU's), or unset it"
        case let .unsupported(path, available):
            "\(KernelPath.environmentVariable)=\(path.rawValue) needs instructions this CPU lacks; " +
                "it supports \(available.map(\.rawValue).joined(separator: ", "))"
        }
    }
}
