import Foundation
import PackagePlugin

/// Generates `GeneratedCodeSources.swift` for the target it is applied to (Stages): the hash of
/// every source file each stage kind is built from, so a stage's code version follows its code
/// (see `Sources/Stages/CodeSources.txt`). The command's inputs are all the package's source
/// files, so it reruns exactly when one of them changes.
@main
struct CodeFingerprints: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let stages = target as? SourceModuleTarget else { return [] }
        let root = context.package.directoryURL
        // `Target.directoryURL` needs tools version 6.1; the manifest is at 6.0.
        let manifest = URL(fileURLWithPath: stages.directory.string).appending(path: "CodeSources.txt")
        let output = context.pluginWorkDirectoryURL.appending(path: "GeneratedCodeSources.swift")
        var specs = [String]()
        var inputs = [manifest]
        for case let module as SourceModuleTarget in context.package.targets where module.kind != .test {
            let dir = String(module.directory.string.dropFirst(root.path(percentEncoded: false).count))
                .trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            let deps = module.dependencies.compactMap { dependency -> String? in
                if case .target(let t) = dependency { return t.name }
                return nil
            }
            specs.append("\(module.name)=\(dir):\(deps.joined(separator: ","))")
            inputs += module.sourceFiles.filter { ["swift", "c", "h"].contains($0.url.pathExtension) }.map(\.url)
        }
        return [.buildCommand(
            displayName: "Fingerprinting the stage kinds' source files",
            executable: try context.tool(named: "CodeFingerprintTool").url,
            arguments: [root.path(percentEncoded: false), manifest.path(percentEncoded: false), output.path(percentEncoded: false)] + specs.sorted(),
            inputFiles: inputs,
            outputFiles: [output])]
    }
}
