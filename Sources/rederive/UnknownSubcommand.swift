import Spelling
import ArgumentParser
import Pipeline

/// A first argument that names no subcommand (`rederive trian --config …`): swift-argument-parser
/// would report it as an unexpected argument, or blame the first option after it. This says
/// which subcommand was probably meant, and lists them all.
struct UnknownSubcommand: CustomStringConvertible {
    var word: String
    var names: [String]

    /// Nil when the first argument is an option or a known subcommand (at any depth: `bench trian`).
    static func find(in arguments: [String]) -> UnknownSubcommand? {
        var commands: [ParsableCommand.Type] = Rederive.configuration.subcommands
        for word in arguments {
            if word.hasPrefix("-") || commands.isEmpty || word == "help" { return nil }
            let names = commands.map { name(of: $0) }
            guard let index = names.firstIndex(of: word) else {
                return UnknownSubcommand(word: word, names: names.filter { !$0.hasPrefix("run-") })
            }
            commands = commands[index].configuration.subcommands
        }
        return nil
    }

    private static func name(of command: ParsableCommand.Type) -> String {
        command.configuration.commandName ?? String(describing: command).lowercased()
    }

    var description: String {
        "'\(word)' is not a rederive subcommand; " + NameSuggestion.hint(for: word, in: names)
            + "the subcommands are: " + names.joined(separator: ", ")
    }
}
