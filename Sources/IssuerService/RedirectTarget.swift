/// The one place that decides where the service may send a browser after
/// logging in (`next=`): only a page of the clerk UI that this router serves,
/// written with a small set of characters — never another host, a
/// protocol-relative `//host`, a backslash, or whitespace a browser would
/// strip (`/\t/evil` is `//evil` to Chromium).
enum RedirectTarget {
    /// The first path segments of the clerk UI's GET pages (see the routes).
    static let sections: Set<Substring> = ["certificates", "issue", "batch", "audit", "audit.csv", "admin"]

    /// `next` if it is a safe same-site UI path (with an optional query), else `/`.
    static func safe(_ next: String?) -> String {
        guard let next, next.hasPrefix("/") else { return "/" }
        // Letters, digits and the few URL characters UI paths and their queries use.
        let allowed = next.utf8.allSatisfy { b in
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
                || "/-._~?=&%+".utf8.contains(b)
        }
        guard allowed, !next.hasPrefix("//"), next.utf8.count <= 512 else { return "/" }
        let path = next.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        // `%` only in the query: an encoded slash or dot in the path could be
        // read differently by the browser and the router.
        guard !path.contains("%"), !path.contains("//"), !path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else { return "/" }
        if path == "/" { return next }
        guard let first = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).first, sections.contains(first) else {
            return "/"
        }
        return next
    }
}
