extension Int {
    /// 10000000 as "10,000,000", for messages.
    public var grouped: String {
        let digits = String(self.magnitude)
        var out = ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (self < 0 ? "-" : "") + out
    }
}
