import AtomicFiles
import Foundation

#if FUZZING
/// The fuzzing entry point, one binary for every target: `REDERIVE_FUZZ_TARGET` names it.
/// Built with `-sanitize=fuzzer,address -DFUZZING` (Scripts/fuzz.sh), `main` (which SwiftPM
/// links as `RederiveFuzz_main`) hands over to libFuzzer's driver, which calls this with each
/// input; the binary takes libFuzzer's usual arguments.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzMain.target.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_cdecl("RederiveFuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    _ = FuzzMain.target
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOneInput)
}

/// libFuzzer's driver for a program with its own `main` (in libclang_rt.fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

enum FuzzMain {
    static let target: FuzzTarget = {
        guard let name = ProcessInfo.processInfo.environment["REDERIVE_FUZZ_TARGET"],
              let target = FuzzTarget(rawValue: name) else { FuzzTarget.usage() }
        return target
    }()
}
#else
/// In an ordinary build the binary replays files instead: `RederiveFuzz TARGET FILE...` runs
/// each through the target once, to reproduce a finding without the sanitizers.
@main
enum FuzzMain {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else { FuzzTarget.usage() }
        for path in arguments.dropFirst() {
            do { target.run(try AtomicFile.read(path)) } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                exit(1)
            }
        }
    }
}
#endif

extension FuzzTarget {
    static func usage() -> Never {
        let names = allCases.map(\.rawValue).joined(separator: "|")
        FileHandle.standardError.write(Data(("usage: REDERIVE_FUZZ_TARGET=\(names) RederiveFuzz [libFuzzer arguments] (fuzzing build)\n"
                                             + "       RederiveFuzz \(names) FILE... (replay)\n").utf8))
        exit(2)
    }
}
