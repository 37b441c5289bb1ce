import Foundation
import XCTest
import Tensor
import AtomicFiles

/// `.npy` and safetensors: byte-level agreement with the files NumPy and the Python
/// `safetensors` package wrote (Fixtures/make_fixtures.py), round trips, and every kind of bad file.
final class ArrayFileTests: XCTestCase {
    private func fixture(_ name: String) throws -> String {
        try XCTUnwrap(Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures"), "fixture \(name)")
    }

    private func bytes(_ path: String) throws -> [UInt8] { try AtomicFile.read(path) }

    private var scratch: String!

    override func setUpWithError() throws {
        scratch = NSTemporaryDirectory() + "rederive-tensor-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: scratch)
    }

    // MARK: .npy

    private let npyFixtures: [(String, NDArray)] = [
        ("f32_2x3.npy", .float32(Tensor(shape: [2, 3], generating: { (Float($0) - 2.5) / 4 }))),
        ("i32_4.npy", .int32(shape: [4], values: [-2, -1, 0, Int32.max])),
        ("i64_2x2.npy", .int64(shape: [2, 2], values: [0, -1, 1 << 40, -(1 << 62)])),
        ("f32_scalar.npy", .float32(Tensor(shape: [], scalars: [1.5]))),
        ("f32_empty_0x4.npy", .float32(Tensor(shape: [0, 4]))),
    ]

    func testNumpyFixturesDecodeToTheirValues() throws {
        for (name, expected) in npyFixtures {
            XCTAssertEqual(try NumpyFile.read(fixture(name)), expected, name)
        }
    }

    func testNumpyEncodingMatchesNumpySaveByteForByte() throws {
        for (name, array) in npyFixtures {
            XCTAssertEqual(NumpyFile.encode(array), try bytes(fixture(name)), name)
        }
    }

    func testNumpyRoundTripThroughDisk() throws {
        var rng = RandomGenerator(seed: 11)
        let tensor = rng.normalTensor(shape: [3, 5, 7])
        let path = scratch + "/t.npy"
        try NumpyFile.write(tensor, to: path)
        XCTAssertEqual(try NumpyFile.readTensor(path), tensor)
        // No temporary file is left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch), ["t.npy"])
    }

    // MARK: safetensors

    private var smallFile: SafetensorsFile {
        SafetensorsFile(
            arrays: [
                "embed.W_E": .float32(Tensor(shape: [4, 3], generating: { Float($0) * 0.5 })),
                "tokens": .int64(shape: [1, 3], values: [0, 5, 7]),
                "positions": .int32(shape: [3], values: [0, 1, 2]),
            ],
            metadata: ["config": #"{"d_model": 3, "act_fn": "relu"}"#])
    }

    func testSafetensorsFixtureDecodes() throws {
        let path = try fixture("small.safetensors")
        let file = try SafetensorsFile.read(path)
        XCTAssertEqual(file, smallFile)
        XCTAssertEqual(try file.tensor("embed.W_E", path: path)[3, 2], 5.5)
    }

    func testSafetensorsEncodingMatchesPythonByteForByte() throws {
        XCTAssertEqual(smallFile.encoded(), try bytes(fixture("small.safetensors")))
    }

    func testSafetensorsRoundTripWithEscapedMetadata() throws {
        var file = smallFile
        file.metadata = ["config": "{\"a\": \"line\\nbreak\"}", "step": "12", "note": "tab\there \u{1}"]
        let path = scratch + "/m.safetensors"
        try file.write(to: path)
        XCTAssertEqual(try SafetensorsFile.read(path), file)
    }

    func testMissingTensorIsNamed() throws {
        let path = try fixture("small.safetensors")
        XCTAssertThrowsError(try SafetensorsFile.read(path).tensor("unembed.W_U", path: path)) { error in
            XCTAssertEqual(error as? ArrayFileError, .missingTensor(path: path, name: "unembed.W_U"))
        }
    }

    // MARK: Bad files

    /// Writes `bytes` to a scratch file and returns the error reading it gives.
    private func readError(_ bytes: [UInt8], named name: String, safetensors: Bool,
                           file: StaticString = #filePath, line: UInt = #line) -> ArrayFileError? {
        let path = scratch + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        do {
            if safetensors { _ = try SafetensorsFile.read(path) } else { _ = try NumpyFile.read(path) }
            XCTFail("\(name) was read without an error", file: file, line: line)
            return nil
        } catch {
            XCTAssert(error.description.hasPrefix(path), "message names the file: \(error)", file: file, line: line)
            return error
        }
    }

    func testNumpyBadFilesGiveTypedErrorsNamingTheFile() throws {
        let good = try bytes(fixture("f32_2x3.npy"))
        let path = { (name: String) in self.scratch + "/" + name }

        XCTAssertEqual(readError(Array(good.dropLast(5)), named: "cut.npy", safetensors: false),
                       .shapeMismatch(path: path("cut.npy"), name: nil, shape: [2, 3], byteCount: 19))
        // A header whose shape is larger than the data was reported as "truncated".
        let bigger = readError(replace(good, "'shape': (2, 3)", "'shape': (3, 3)"), named: "bigger.npy", safetensors: false)
        XCTAssertEqual(bigger, .shapeMismatch(path: path("bigger.npy"), name: nil, shape: [3, 3], byteCount: 24))
        XCTAssertTrue(bigger?.description.hasPrefix(path("bigger.npy") + ": shape mismatch: shape [3, 3] does not match the 24 bytes of data") ?? false)
        XCTAssertEqual(readError(Array(good.prefix(40)), named: "cuthead.npy", safetensors: false),
                       .truncated(path: path("cuthead.npy"), expectedBytes: 128, actualBytes: 40))
        XCTAssertEqual(readError(Array(good.prefix(4)), named: "tiny.npy", safetensors: false),
                       .truncated(path: path("tiny.npy"), expectedBytes: 10, actualBytes: 4))

        var badMagic = good
        badMagic[1] = UInt8(ascii: "X")
        guard case .badHeader = readError(badMagic, named: "magic.npy", safetensors: false) else {
            return XCTFail("bad magic")
        }

        XCTAssertEqual(readError(replace(good, "<f4", "<f8"), named: "f8.npy", safetensors: false),
                       .unknownDType(path: path("f8.npy"), dtype: "<f8"))

        XCTAssertEqual(readError(good + [0, 0, 0, 0], named: "extra.npy", safetensors: false),
                       .shapeMismatch(path: path("extra.npy"), name: nil, shape: [2, 3], byteCount: 28))

        guard case .badHeader = readError(replace(good, "'shape': (2, 3)", "'shape': [2, 3]"),
                                          named: "shape.npy", safetensors: false) else {
            return XCTFail("bad shape syntax")
        }
        guard case .badHeader = readError(replace(good, "False", "True "), named: "fortran.npy", safetensors: false) else {
            return XCTFail("fortran order")
        }
        XCTAssertEqual(try? NumpyFile.read(path("absent.npy")), nil)
        XCTAssertThrowsError(try NumpyFile.read(path("absent.npy"))) { error in
            XCTAssertEqual(error as? ArrayFileError, .io(AtomicFileError(path: path("absent.npy"), operation: .read, errno: ENOENT)))
            XCTAssertEqual("\(error)", path("absent.npy") + ": cannot read (no such file or directory); check the path, or produce the file first.")
        }
    }

    func testSafetensorsBadFilesGiveTypedErrorsNamingTheFile() throws {
        let good = try bytes(fixture("small.safetensors"))
        let path = { (name: String) in self.scratch + "/" + name }

        XCTAssertEqual(readError(Array(good.dropLast(4)), named: "cut.safetensors", safetensors: true),
                       .truncated(path: path("cut.safetensors"), expectedBytes: good.count, actualBytes: good.count - 4))
        XCTAssertEqual(readError(Array(good.prefix(100)), named: "cuthead.safetensors", safetensors: true),
                       .truncated(path: path("cuthead.safetensors"), expectedBytes: 8 + 264, actualBytes: 100))
        XCTAssertEqual(readError([1, 2, 3], named: "tiny.safetensors", safetensors: true),
                       .truncated(path: path("tiny.safetensors"), expectedBytes: 8, actualBytes: 3))

        guard case .badHeader = readError(replace(good, "{\"__metadata__", "[\"__metadata__"),
                                          named: "json.safetensors", safetensors: true) else {
            return XCTFail("bad JSON")
        }
        XCTAssertEqual(readError(replace(good, "\"I32\"", "\"F64\""), named: "f64.safetensors", safetensors: true),
                       .unknownDType(path: path("f64.safetensors"), dtype: "F64"))
        // F16 is read, but two bytes an element: the I32 tensor's 12 bytes are not 3 of them.
        XCTAssertEqual(readError(replace(good, "\"I32\"", "\"F16\""), named: "f16.safetensors", safetensors: true),
                       .shapeMismatch(path: path("f16.safetensors"), name: "positions", shape: [3], byteCount: 12))
        XCTAssertEqual(readError(replace(good, "\"shape\":[4,3]", "\"shape\":[3,3]"), named: "shape.safetensors", safetensors: true),
                       .shapeMismatch(path: path("shape.safetensors"), name: "embed.W_E", shape: [3, 3], byteCount: 48))
        guard case .badHeader = readError([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0] + good.dropFirst(8),
                                          named: "length.safetensors", safetensors: true) else {
            return XCTFail("absurd header length")
        }
    }

    /// Junk after the data was accepted; the format asks that the tensors tile the data exactly,
    /// in order, and that the header be at most 100 MB of UTF-8 JSON.
    func testSafetensorsLayoutIsStrict() throws {
        let good = try bytes(fixture("small.safetensors"))
        let path = { (name: String) in self.scratch + "/" + name }
        XCTAssertEqual(readError(good + [0, 0, 0, 0], named: "junk.safetensors", safetensors: true),
                       .badLayout(path: path("junk.safetensors"), reason: "4 bytes after the last tensor's data"))
        XCTAssertTrue(readError(good + [0, 0, 0, 0], named: "junk.safetensors", safetensors: true)?.description
            .hasPrefix(path("junk.safetensors") + ": bad layout: 4 bytes after the last tensor's data; the file is damaged, regenerate it") ?? false)

        // positions moved 4 bytes on (and 4 bytes added): a gap before it.
        XCTAssertEqual(readError(replace(good, "[72,84]", "[76,88]") + [0, 0, 0, 0], named: "gap.safetensors", safetensors: true),
                       .badLayout(path: path("gap.safetensors"), reason: "4 unused bytes before tensor 'positions'; data_offsets must be contiguous"))
        // embed.W_E starting 4 bytes early: it overlaps tokens.
        XCTAssertEqual(readError(replace(good, "[24,72]", "[20,68]"), named: "overlap.safetensors", safetensors: true),
                       .badLayout(path: path("overlap.safetensors"), reason: "tensor 'embed.W_E' overlaps the one before it at byte 20 of the data"))

        var notUTF8 = good
        notUTF8[8 + 3] = 0xFF
        XCTAssertEqual(readError(notUTF8, named: "latin.safetensors", safetensors: true),
                       .badHeader(path: path("latin.safetensors"), reason: "header is not UTF-8 text"))
        var huge = good
        let limit = UInt64(SafetensorsFile.maximumHeaderBytes + 8)
        for i in 0..<8 { huge[i] = UInt8(truncatingIfNeeded: limit >> (8 * UInt64(i))) }
        guard case .badHeader = readError(huge, named: "huge.safetensors", safetensors: true) else {
            return XCTFail("a header over 100 MB")
        }
    }

    /// JSONSerialization keeps one of two tensors with the same name, and bridges `17792.0` to an
    /// integer; the format allows neither, so neither is read.
    func testSafetensorsHeaderNamesEachTensorOnceWithWholeNumbers() throws {
        func file(_ header: String, dataBytes: Int) -> [UInt8] {
            var length = UInt64(header.utf8.count).littleEndian
            return withUnsafeBytes(of: &length) { Array($0) } + Array(header.utf8) + [UInt8](repeating: 0, count: dataBytes)
        }
        let tensor = { (offsets: String) in "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\(offsets)]}" }
        let path = { (name: String) in self.scratch + "/" + name }
        XCTAssertEqual(readError(file("{\"a\":\(tensor("0,4")),\"b\":\(tensor("4,8")),\"a\":\(tensor("8,12"))}", dataBytes: 12),
                                 named: "twice.safetensors", safetensors: true),
                       .badHeader(path: path("twice.safetensors"), reason: "the name 'a' appears twice"))
        XCTAssertEqual(readError(file("{\"a\":\(tensor("0,4.0"))}", dataBytes: 4), named: "float.safetensors", safetensors: true),
                       .badHeader(path: path("float.safetensors"), reason: "a shape or data offset is not a whole number (4.0); write integers"))
        XCTAssertEqual(readError(file("{\"a\":\(tensor("0,4e0"))}", dataBytes: 4), named: "exp.safetensors", safetensors: true),
                       .badHeader(path: path("exp.safetensors"), reason: "a shape or data offset is not a whole number (4e0); write integers"))
        // The e of true is no exponent: the message is the one about metadata.
        XCTAssertEqual(readError(file("{\"__metadata__\":{\"v\":true},\"a\":\(tensor("0,4"))}", dataBytes: 4), named: "bool.safetensors", safetensors: true),
                       .badHeader(path: path("bool.safetensors"), reason: "__metadata__ must map strings to strings"))
        // Names and metadata may hold anything, escaped quotes and digits with dots included.
        let fine = file("{\"__metadata__\":{\"v\":\"1.5 \\\"x\\\" 2e3\"},\"a.1e2\":\(tensor("0,4"))}", dataBytes: 4)
        XCTAssertEqual(try SafetensorsFile.decode(fine, path: "fine.safetensors").metadata["v"], "1.5 \"x\" 2e3")
    }

    /// Replaces the first occurrence of an ASCII string in a file's bytes (same length or not).
    private func replace(_ bytes: [UInt8], _ old: String, _ new: String) -> [UInt8] {
        let (o, n) = (Array(old.utf8), Array(new.utf8))
        for start in 0...(bytes.count - o.count) where Array(bytes[start..<start + o.count]) == o {
            return Array(bytes[..<start]) + n + Array(bytes[(start + o.count)...])
        }
        XCTFail("'\(old)' not found")
        return bytes
    }
}
