import Reproducible

/// Vega's expression language, the part that filters and calculations use: `datum.field` and
/// `datum['field']`, numbers, strings, arithmetic, comparisons, `&&`, `||`, `!`, `? :`, and the
/// Math functions. Transcendentals come from ReproducibleMath, so the values are the same bits
/// on every machine. https://vega.github.io/vega/docs/expressions/
indirect enum Expression {
    case literal(DataValue)
    case field(String)
    case unary(String, Expression)
    case binary(String, Expression, Expression)
    case conditional(Expression, Expression, Expression)
    case call(String, [Expression])
    case index(Expression, Expression)

    static func parse(_ text: String, path: String) throws(VegaLiteError) -> Expression {
        var parser = ExpressionParser(text: text, path: path)
        let e = try parser.expression(0)
        guard parser.atEnd else { throw parser.fail("unexpected '\(parser.rest)'") }
        return e
    }

    func evaluate(_ row: [String: DataValue]) -> DataValue {
        switch self {
        case .literal(let v): return v
        case .field(let f): return row[f] ?? .null
        case let .unary(op, e):
            let v = e.evaluate(row)
            switch op {
            case "!": return .bool(!Self.truthy(v))
            case "-": return .number(-(v.number ?? .nan))
            default: return .number(v.number ?? .nan)
            }
        case let .binary(op, a, b):
            if op == "&&" { let x = a.evaluate(row); return Self.truthy(x) ? b.evaluate(row) : x }
            if op == "||" { let x = a.evaluate(row); return Self.truthy(x) ? x : b.evaluate(row) }
            return Self.binary(op, a.evaluate(row), b.evaluate(row))
        case let .conditional(c, t, f):
            return Self.truthy(c.evaluate(row)) ? t.evaluate(row) : f.evaluate(row)
        case let .call(name, args):
            return Self.call(name, args.map { $0.evaluate(row) })
        case let .index(base, i):
            // JS string indexing: "USA"[0] is "U"; out of range is undefined (null).
            let s = base.evaluate(row).text, k = i.evaluate(row).number ?? -1
            guard case .string = base.evaluate(row), k >= 0, k < Double(s.count), k == k.rounded() else { return .null }
            return .string(String(s[s.index(s.startIndex, offsetBy: Int(k))]))
        }
    }

    static func truthy(_ v: DataValue) -> Bool {
        switch v {
        case .null: return false
        case .bool(let b): return b
        case .number(let n), .date(let n): return n != 0 && !n.isNaN
        case .string(let s): return !s.isEmpty
        }
    }

    static func binary(_ op: String, _ a: DataValue, _ b: DataValue) -> DataValue {
        if op == "+" {
            if case .string = a { return .string(a.text + b.text) }
            if case .string = b { return .string(a.text + b.text) }
        }
        if op == "==" || op == "===" || op == "!=" || op == "!==" {
            var equal: Bool
            switch (a, b) {
            case (.null, .null): equal = true
            case (.null, _), (_, .null): equal = false
            case let (.string(x), .string(y)): equal = x == y
            default:
                if op.count == 3, case .string = a { equal = false }
                else if op.count == 3, case .string = b { equal = false }
                else { equal = a.number == b.number && a.number != nil }
            }
            return .bool(op.hasPrefix("!") ? !equal : equal)
        }
        if ["<", "<=", ">", ">="].contains(op) {
            if case .string(let x) = a, case .string(let y) = b {
                let lt = x.utf16.lexicographicallyPrecedes(y.utf16), eq = x == y
                switch op { case "<": return .bool(lt); case "<=": return .bool(lt || eq); case ">": return .bool(!lt && !eq); default: return .bool(!lt) }
            }
            guard let x = a.number, let y = b.number else { return .bool(false) }
            switch op { case "<": return .bool(x < y); case "<=": return .bool(x <= y); case ">": return .bool(x > y); default: return .bool(x >= y) }
        }
        let x = a.number ?? .nan, y = b.number ?? .nan
        switch op {
        case "+": return .number(x + y)
        case "-": return .number(x - y)
        case "*": return .number(x * y)
        case "/": return .number(x / y)
        case "%": return .number(x.truncatingRemainder(dividingBy: y))
        default: return .null
        }
    }

    static let functions: Set<String> = ["abs", "sqrt", "log", "exp", "pow", "floor", "ceil", "round", "min", "max",
                                         "sin", "cos", "tan", "isValid", "isNaN", "isFinite", "toNumber", "toString",
                                         "year", "month", "date", "log10", "trunc", "sign", "clamp", "isDate", "length"]

    static func call(_ name: String, _ args: [DataValue]) -> DataValue {
        let x = args.first?.number ?? .nan
        switch name {
        case "abs": return .number(Swift.abs(x))
        case "sqrt": return .number(x.squareRoot())
        case "log": return .number(ReproducibleMath.log(x))
        case "log10": return .number(ReproducibleMath.log10(x))
        case "exp": return .number(ReproducibleMath.exp(x))
        case "pow": return .number(ReproducibleMath.pow(x, args.count > 1 ? (args[1].number ?? .nan) : .nan))
        case "floor": return .number(x.rounded(.down))
        case "ceil": return .number(x.rounded(.up))
        case "round": return .number((x + 0.5).rounded(.down))   // JS Math.round: halves go up
        case "trunc": return .number(x.rounded(.towardZero))
        case "sign": return .number(x > 0 ? 1 : x < 0 ? -1 : x)
        case "min": return .number(args.compactMap(\.number).min() ?? .infinity)
        case "max": return .number(args.compactMap(\.number).max() ?? -.infinity)
        case "clamp": return .number(Swift.min(Swift.max(x, args.count > 1 ? args[1].number ?? x : x), args.count > 2 ? args[2].number ?? x : x))
        case "sin": return .number(ReproducibleMath.sinCos(x).sin)
        case "cos": return .number(ReproducibleMath.sinCos(x).cos)
        case "tan": let sc = ReproducibleMath.sinCos(x); return .number(sc.sin / sc.cos)
        case "isValid":
            let v = args.first ?? .null
            if v.isNull { return .bool(false) }
            if case .number(let n) = v { return .bool(!n.isNaN) }
            return .bool(true)
        case "isNaN": return .bool(x.isNaN)
        case "isFinite": return .bool(x.isFinite)
        case "isDate": if case .date = args.first ?? .null { return .bool(true) }; return .bool(false)
        case "toNumber": return .number(x)
        case "toString": return .string(args.first?.text ?? "null")
        case "length": return .number(Double(args.first?.text.count ?? 0))
        case "year": return .number(Double(DateParser.components(DateParser.value(args.first ?? .null) ?? .nan).year))
        case "month": return .number(Double(DateParser.components(DateParser.value(args.first ?? .null) ?? .nan).month - 1))
        case "date": return .number(Double(DateParser.components(DateParser.value(args.first ?? .null) ?? .nan).day))
        default: return .null
        }
    }
}

/// Precedence climbing over the expression's characters.
struct ExpressionParser {
    let chars: [Character]
    let path: String
    var i = 0

    init(text: String, path: String) {
        chars = Array(text)
        self.path = path
    }

    var atEnd: Bool { mutating get { skip(); return i >= chars.count } }
    var rest: String { String(chars[i...]) }

    func fail(_ message: String) -> VegaLiteError {
        .unsupported(path: path, "expression '\(String(chars))': \(message) (supported: datum fields, numbers, strings, + - * / %, comparisons, && || !, ?:, Math functions)")
    }

    mutating func skip() { while i < chars.count, chars[i].isWhitespace { i += 1 } }

    static let binaryPrecedence: [String: Int] = [
        "||": 1, "&&": 2, "==": 3, "!=": 3, "===": 3, "!==": 3,
        "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6,
    ]

    mutating func peekOperator() -> String? {
        skip()
        for length in [3, 2, 1] where i + length <= chars.count {
            let op = String(chars[i..<i + length])
            if Self.binaryPrecedence[op] != nil { return op }
        }
        return nil
    }

    mutating func expression(_ minPrecedence: Int) throws(VegaLiteError) -> Expression {
        var left = try unary()
        while let op = peekOperator(), let p = Self.binaryPrecedence[op], p > minPrecedence {
            i += op.count
            let right = try expression(p)
            left = .binary(op, left, right)
        }
        skip()
        if minPrecedence == 0, i < chars.count, chars[i] == "?" {
            i += 1
            let t = try expression(0)
            skip()
            guard i < chars.count, chars[i] == ":" else { throw fail("expected ':'") }
            i += 1
            let f = try expression(0)
            left = .conditional(left, t, f)
        }
        return left
    }

    mutating func unary() throws(VegaLiteError) -> Expression {
        skip()
        guard i < chars.count else { throw fail("unexpected end") }
        let c = chars[i]
        if c == "!" || c == "-" || c == "+" {
            i += 1
            return .unary(String(c), try unary())
        }
        return try primary()
    }

    mutating func primary() throws(VegaLiteError) -> Expression {
        skip()
        guard i < chars.count else { throw fail("unexpected end") }
        let c = chars[i]
        if c == "(" {
            i += 1
            let e = try expression(0)
            skip()
            guard i < chars.count, chars[i] == ")" else { throw fail("expected ')'") }
            i += 1
            return e
        }
        if c == "'" || c == "\"" { return .literal(.string(try string())) }
        if c.isNumber || c == "." {
            let start = i
            while i < chars.count, chars[i].isNumber || chars[i] == "." || chars[i] == "e" || chars[i] == "E"
                    || ((chars[i] == "-" || chars[i] == "+") && (chars[i - 1] == "e" || chars[i - 1] == "E")) { i += 1 }
            guard let n = NumberParser.parse(String(chars[start..<i])) else { throw fail("bad number") }
            return .literal(.number(n))
        }
        guard c.isLetter || c == "_" || c == "$" else { throw fail("unexpected '\(c)'") }
        var name = identifier()
        if name == "datum" {
            skip()
            if i < chars.count, chars[i] == "." {
                i += 1
                var e = Expression.field(identifier())
                skip()
                while i < chars.count, chars[i] == "[" {
                    i += 1
                    let k = try expression(0)
                    skip()
                    guard i < chars.count, chars[i] == "]" else { throw fail("expected ']'") }
                    i += 1
                    e = .index(e, k)
                    skip()
                }
                return e
            }
            if i < chars.count, chars[i] == "[" {
                i += 1; skip()
                let f = try string()
                skip()
                guard i < chars.count, chars[i] == "]" else { throw fail("expected ']'") }
                i += 1
                return .field(f)
            }
            throw fail("datum must be followed by a field")
        }
        if name == "Math", i < chars.count, chars[i] == "." { i += 1; name = identifier() }
        switch name {
        case "true": return .literal(.bool(true))
        case "false": return .literal(.bool(false))
        case "null": return .literal(.null)
        case "PI": return .literal(.number(Double.pi))
        case "E": return .literal(.number(2.718281828459045))
        case "LN10": return .literal(.number(2.302585092994046))
        case "LN2": return .literal(.number(0.6931471805599453))
        case "SQRT2": return .literal(.number(2.0.squareRoot()))
        default: break
        }
        skip()
        guard Expression.functions.contains(name), i < chars.count, chars[i] == "(" else { throw fail("'\(name)' is not supported") }
        i += 1
        var args: [Expression] = []
        skip()
        if i < chars.count, chars[i] == ")" { i += 1; return .call(name, args) }
        while true {
            args.append(try expression(0))
            skip()
            guard i < chars.count else { throw fail("expected ')'") }
            if chars[i] == "," { i += 1; continue }
            if chars[i] == ")" { i += 1; break }
            throw fail("expected ',' or ')'")
        }
        return .call(name, args)
    }

    mutating func identifier() -> String {
        let start = i
        while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "$" { i += 1 }
        return String(chars[start..<i])
    }

    mutating func string() throws(VegaLiteError) -> String {
        guard i < chars.count else { throw fail("expected a string") }
        let quote = chars[i]
        guard quote == "'" || quote == "\"" else { throw fail("expected a string") }
        i += 1
        var out = ""
        while i < chars.count, chars[i] != quote {
            if chars[i] == "\\", i + 1 < chars.count { i += 1 }
            out.append(chars[i]); i += 1
        }
        guard i < chars.count else { throw fail("unterminated string") }
        i += 1
        return out
    }
}
