import AtomicFiles
import Foundation
import Pipeline

/// The `layout` target: a random pipeline file in a random folder layout, through `make
/// --dry-run`, `status` and `clean`, must change nothing but Rederive's own files.
///
/// An input is text in up to three parts separated by lines `%%`:
///
///     d data                 a folder        (paths relative to the project folder; `..` may
///     f data/raw.csv         a file           reach the sandbox around it, never further)
///     l here .               a symbolic link to a relative target
///     p data/pipe            a FIFO
///     %%
///     stages: ...            the pipeline file, Pipelines/p.yaml
///     %%
///     record                 optional: a lock recording every output that exists now, so
///                            that clean has builds to remove (`record half`: the outputs of
///                            every other stage only, so that clean must tell them apart)
///
/// The sandbox is `<scratch>/base/` with the project at `base/project/`. Before the commands
/// run, every path under `base/` is recorded (type, bytes, link target); afterwards each
/// difference must be one of Rederive's own files: its state and log folders, temporaries,
/// and outputs the lock records with the bytes they hold now (what clean may remove). Anything
/// else is a finding, and the target traps so that libFuzzer keeps the input.
enum LayoutFuzz {
    static func run(_ bytes: [UInt8], scratch: String) {
        guard let text = String(validating: bytes, as: UTF8.self), text.utf8.count < 20_000 else { return }
        let parts = text.components(separatedBy: "\n%%\n")
        guard parts.count >= 2 else { return }
        let base = scratch + "/layout-\(getpid())"
        AtomicFile.remove(base)
        defer { AtomicFile.remove(base) }
        let root = base + "/project"
        guard (try? AtomicFile.makeFolders(root + "/Pipelines")) != nil,
              (try? AtomicFile.write(Array(parts[1].utf8), to: root + "/Pipelines/p.yaml", durable: false)) != nil else { return }
        for line in parts[0].split(separator: "\n").prefix(64) { FuzzLayout.apply(String(line), base: base, root: root) }
        guard let pipeline = FuzzLayout.safePipeline(root: root, base: base) else { return }
        if parts.count >= 3, parts[2].hasPrefix("record") {
            FuzzLayout.recordOutputs(of: pipeline, root: root, everyOther: parts[2].hasPrefix("record half"))
        }

        let before = TreeSnapshot(base)
        let allowed = FuzzLayout.rederivesOwn(pipeline, root: root)
        let console = Console(interactive: false, quiet: true)
        let registry = ParseOnlyRunner.studyKinds
        var options = MakeOptions()
        options.dryRun = true
        _ = try? PipelineCommands.make([root + "/Pipelines/p.yaml"], options: options, registry: registry, console: console, directory: root)
        _ = try? PipelineCommands.status([root + "/Pipelines/p.yaml"], showAll: true, registry: registry, console: console, directory: root)
        _ = try? PipelineCommands.clean([root + "/Pipelines/p.yaml"], includeCommitted: true, dryRun: false, registry: registry,
                                        console: console, directory: root)
        let changed = before.differences(from: TreeSnapshot(base)).filter { path in
            !allowed.contains { $0.covers(path) } && !isRederiveName((path as NSString).lastPathComponent)
        }
        if !changed.isEmpty {
            FileHandle.standardError.write(Data("layout: changed outside Rederive's own files: \(changed.prefix(5))\n".utf8))
            abort()
        }
    }
}

/// Rederive's temporaries, set-aside folders and folder markers, wherever they are.
func isRederiveName(_ name: String) -> Bool {
    name.contains(".rederive-tmp-") || name.contains(".rederive-previous-") || name == OwnedFolder.markerName
}

/// A path Rederive may change: exactly, or everything under it.
struct OwnPath {
    var path: String
    var subtree: Bool

    func covers(_ other: String) -> Bool { other == path || (subtree && other.hasPrefix(path + "/")) }
}
