import Foundation
import HTTPTypes
import Hummingbird
import KaryoLoop

/// Escapes text for HTML element content and quoted attribute values (the report's escaping).
func esc(_ text: String) -> String { HTMLReport.escape(text) }

/// Percent-encodes a query or path component.
func urlComponent(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
}

/// The headers every response carries: no framing, no sniffing, no referrer, a strict CSP (all
/// scripts, styles and images come from this app; no inline script).
/// A response that set its own (stricter) policy keeps it: the model report has no script at all.
func securityHeaders(_ headers: inout HTTPFields) {
    if headers[.contentSecurityPolicy] == nil {
        headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'"
    }
    headers[.xContentTypeOptions] = "nosniff"
    headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
    // same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on form posts.
    headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
    headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
    headers[HTTPField.Name("Cross-Origin-Resource-Policy")!] = "same-origin"
}

enum HTMLResponse {
    /// An HTML page response; never cached (pages show live review state).
    static func page(_ html: String, status: HTTPResponse.Status = .ok, headers extra: [HTTPField] = []) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        for field in extra { headers.append(field) }
        let buffer = ByteBuffer(string: html)
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }

    /// 303 See Other to a local path.
    static func redirect(_ location: String, headers extra: [HTTPField] = []) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store", .contentLength: "0"]
        for field in extra { headers.append(field) }
        return Response(status: .seeOther, headers: headers)
    }
}

/// Whether `path` is a safe local redirect target (no scheme, no other host, no backslash).
func isLocalPath(_ path: String) -> Bool {
    path.hasPrefix("/") && !path.hasPrefix("//") && !path.contains("\\") && !path.contains("\r")
        && !path.contains("\n") && path.utf8.count < 512
}

/// Parses `application/x-www-form-urlencoded` text (first value of each name wins).
func parseForm(_ body: String) -> [String: String] {
    var out: [String: String] = [:]
    for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        func decode(_ s: Substring) -> String {
            String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
        }
        let name = decode(parts[0])
        let value = parts.count > 1 ? decode(parts[1]) : ""
        if out[name] == nil { out[name] = value }
    }
    return out
}

func formatDate(_ date: Date) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
    return f.string(from: date)
}

func formatNumber(_ value: Double, digits: Int = 3) -> String {
    value.isFinite ? String(format: "%.\(digits)f", value) : "n/a"
}
