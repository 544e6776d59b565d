import Foundation

/// RFC 4180 CSV, as spreadsheet software exports it (quoted fields, doubled
/// quotes, CRLF or LF, an optional UTF-8 BOM). Written here rather than taken
/// from a package because it is this small and the batch path needs each
/// record's line number for error messages.
public struct CSVTable: Sendable {
    public let header: [String]
    /// Data rows with the 1-based line number each starts on.
    public let rows: [(line: Int, values: [String])]

    public init(text: String) throws {
        var records: [(Int, [String])] = []
        var field = ""
        var record: [String] = []
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var chars = Array(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        if chars.last != "\n" && chars.last != "\r\n" { chars.append("\n") }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" {
                        field.append("\"")
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
            } else if c == "\"" && field.isEmpty {
                inQuotes = true
            } else if c == "," {
                record.append(field)
                field = ""
            } else if c == "\n" || c == "\r\n" || c == "\r" {
                record.append(field)
                field = ""
                if !(record.count == 1 && record[0].isEmpty) { records.append((recordLine, record)) }
                record = []
                line += 1
                recordLine = line
            } else {
                field.append(c)
            }
            i += 1
        }
        guard !inQuotes else { throw CSVError(line: recordLine, reason: "a quoted field is not closed") }
        guard let first = records.first else { throw CSVError(line: 1, reason: "the CSV file is empty; the first line must name the fields") }
        header = first.1.map { $0.trimmingCharacters(in: .whitespaces) }
        var rows: [(Int, [String])] = []
        for (n, values) in records.dropFirst() {
            guard values.count == header.count else {
                throw CSVError(line: n, reason: "\(values.count) values, but the header names \(header.count) fields")
            }
            rows.append((n, values))
        }
        self.rows = rows
    }
}

public struct CSVError: Error, Sendable, CustomStringConvertible {
    public let line: Int
    public let reason: String
    public var description: String { "CSV line \(line): \(reason)" }
}
