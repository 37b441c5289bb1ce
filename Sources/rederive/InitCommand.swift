import AtomicFiles
import ArgumentParser
import Foundation

/// `rederive init DIR`: a small project of the user's own, to start from. A `cmd:` stage writes a
/// CSV with plain `/bin/sh` and `awk` (no Python needed), two Vega-Lite figures draw it, a slides
/// stage puts them in a deck, and `ci.sh` checks in CI that everything reproduces.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a project of your own: a pipeline, two Vega-Lite figures, a deck and a CI script.",
        discussion: """
            Then: cd DIR && rederive make && rederive check. DIR must be new or empty.

            Examples:
              rederive init my-project
            """)

    @Argument(help: "The project's folder (new or empty).")
    var folder: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reportingErrors {
            try OwnedFolder.requireReplaceable(folder, by: [], advice: "choose a new or empty folder; nothing was written")
            for (path, text) in ProjectTemplate.files {
                try AtomicFile.write(Array(text.utf8), to: folder + "/" + path)
            }
            chmod(folder + "/ci.sh", 0o755)
        }
        output.say("wrote \(folder): Pipelines/main.yaml, figures/*.vl.json, ci.sh\nnext: cd \(folder) && rederive make && rederive check")
        output.emit(JSONOutput(["folder": .string(folder), "files": JSONOutput.strings(ProjectTemplate.files.map(\.0))]))
    }
}

/// The files `rederive init` writes, by path.
enum ProjectTemplate {
    static let files: [(String, String)] = [
        ("Pipelines/main.yaml", pipeline), ("figures/loss.vl.json", lossSpec), ("figures/final.vl.json", finalSpec),
        (".gitignore", "# Rederive's intermediates: logs, caches, scratch outputs.\n/artifacts/\n"), ("ci.sh", ci),
    ]

    static let pipeline = """
        # A pipeline of your own. `rederive make` builds what is out of date; `rederive status` says why.
        description: a first Rederive project
        stages:
          # Any shell command: here awk writes two synthetic loss curves. $OUT is the output to write.
          data:
            cmd: >-
              awk 'BEGIN { print "step,loss,run";
              for (s = 0; s <= 200; s += 10) { printf "%d,%.4f,fast\\n", s, 3 * exp(-s / 40) + 0.1;
              printf "%d,%.4f,slow\\n", s, 3 * exp(-s / 70) + 0.2 } }' > "$OUT"
            outputs: [data/loss.csv]
          # Figures from Vega-Lite specs (what Altair's chart.save("x.vl.json") writes). Every data
          # file a spec reads becomes an input of its stage, so editing it redraws the figure.
          loss:
            kind: vega-lite
            inputs: {spec: figures/loss.vl.json}
            outputs: [Figures/loss.png, Figures/loss.pdf, Figures/loss.caption.txt]
          final:
            kind: vega-lite
            inputs: {spec: figures/final.vl.json}
            outputs: [Figures/final.png, Figures/final.pdf, Figures/final.caption.txt]
          # A 16:9 deck of the figures, each titled and captioned by its spec.
          slides:
            kind: slides
            params: {title: "A first Rederive project", subtitle: "Two runs, two figures", theme: light}
            inputs: [figures/loss.vl.json, figures/final.vl.json]
            outputs: [Figures/slides.pdf]

        """

    static let lossSpec = """
        {
          "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
          "title": "Training loss",
          "description": "Loss of the two runs by step, on a log scale.",
          "data": {"url": "../data/loss.csv"},
          "mark": "line",
          "encoding": {
            "x": {"field": "step", "type": "quantitative"},
            "y": {"field": "loss", "type": "quantitative", "scale": {"type": "log"}},
            "color": {"field": "run", "type": "nominal"}
          }
        }

        """

    static let finalSpec = """
        {
          "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
          "title": "Lowest loss",
          "description": "The lowest loss each run reached.",
          "data": {"url": "../data/loss.csv"},
          "mark": "bar",
          "encoding": {
            "x": {"field": "run", "type": "nominal"},
            "y": {"field": "loss", "type": "quantitative", "aggregate": "min"},
            "color": {"field": "run", "type": "nominal", "legend": null}
          }
        }

        """

    static let ci = """
        #!/bin/sh
        # CI: regenerate everything from the sources in a scratch folder and require the committed
        # figures, byte for byte (--exact). On a CI machine whose Cairo or fonts differ from the one
        # that committed them, drop --exact to compare pixels within pytest-mpl's tolerance.
        set -e
        rederive check --exact

        """
}
