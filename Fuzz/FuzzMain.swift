import AtomicFiles
import Foundation

/// The fuzzing entry point, one binary for every target: `REDERIVE_FUZZ_TARGET` names it.
///
/// Built with `-sanitize=fuzzer,address -DFUZZING` (Scripts/fuzz.sh), `main` hands over to
/// libFuzzer's driver, which takes libFuzzer's usual arguments (corpus folders, -max_total_time).
/// In an ordinary build it replays files instead: `RederiveFuzz TARGET FILE...` runs each
/// through the target once, to reproduce a finding without the sanitizers.
@main
enum FuzzMain {
    static func main() {
        #if FUZZING
        guard let name = getenv("REDERIVE_FUZZ_TARGET").map({ String(cString: $0) }),
              let target = FuzzTarget(rawValue: name) else { usage() }
        current = target
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzMain.current?.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
            return 0
        })
        #else
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else { usage() }
        for path in arguments.dropFirst() {
            do { target.run(try AtomicFile.read(path)) } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                exit(1)
            }
        }
        #endif
    }

    nonisolated(unsafe) static var current: FuzzTarget?

    static func usage() -> Never {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
        FileHandle.standardError.write(Data(("usage: REDERIVE_FUZZ_TARGET=\(names) RederiveFuzz [libFuzzer arguments] (fuzzing build)\n"
                                             + "       RederiveFuzz \(names) FILE... (replay)\n").utf8))
        exit(2)
    }
}

#if FUZZING
/// libFuzzer's driver, for a program with its own `main` (in libclang_rt.fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32
#endif
