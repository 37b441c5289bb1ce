import Foundation

/// Files bundled with the module: the DejaVu Sans fonts and the reference figure's data.
enum PlotResources {
    /// The path of a bundled file. Foundation on Linux and on Darwin disagree about whether a
    /// copied "Resources" folder is the bundle's resource directory, so both layouts are tried.
    static func path(_ name: String) throws -> String {
        let bundle = Bundle.module
        let candidates = [
            bundle.resourceURL?.appendingPathComponent(name),
            bundle.resourceURL?.appendingPathComponent("Resources").appendingPathComponent(name),
            bundle.bundleURL.appendingPathComponent("Resources").appendingPathComponent(name),
        ].compactMap { $0 }
        for url in candidates where FileManager.default.fileExists(atPath: url.path) {
            return url.path
        }
        throw PlotError.resourceMissing(path: candidates.first?.path ?? name)
    }
}
