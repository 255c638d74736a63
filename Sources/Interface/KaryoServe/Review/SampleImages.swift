import Foundation
import Hummingbird
import KaryoStore

/// A box drawn over the whole image: a chromosome 9 or 22 (or another object) the extraction found.
struct OutlineBox: Equatable, Sendable {
    var label: String
    var x: Double
    var y: Double
    var width: Double
    var height: Double
}

/// The images of a sample as the review pages show them.
struct SampleImages: Sendable {
    /// The derivation step of the model's 90x90 input.
    static let normalizedStep = "normalize-t922"

    var sample: SampleInfo
    /// The newest normalized 90x90 image.
    var normalized: DerivedImageInfo?
    /// The other derived images (extracted chromosomes), oldest first.
    var chromosomes: [DerivedImageInfo]
    /// Boxes found in the derived images' parameters, in whole-image pixels.
    var boxes: [OutlineBox]

    init(sample: SampleInfo, derived: [DerivedImageInfo]) {
        self.sample = sample
        normalized = derived.last { $0.step == Self.normalizedStep }
        chromosomes = derived.filter { $0.step != Self.normalizedStep }
        var boxes: [OutlineBox] = []
        for image in derived {
            for box in Self.boxes(inParameters: image.parameters) where !boxes.contains(box) {
                boxes.append(box)
            }
        }
        self.boxes = boxes
    }

    /// Whether `hash` is one of this sample's images (the only blobs its image URLs may name).
    func contains(hash: String) -> Bool {
        sample.blobHash == hash || normalized?.blobHash == hash || chromosomes.contains { $0.blobHash == hash }
    }

    /// Reads boxes from a derived image's parameters JSON. Understood shapes (any nesting depth
    /// up to 4): a `box` (or `source_box`, `bbox`) as `{x, y, width|w, height|h}` or `[x, y, w, h]`,
    /// labelled by a sibling `label`, `class`, `chromosome` or `name`; and arrays of such objects
    /// (e.g. `boxes`, `objects`, `chromosomes`).
    static func boxes(inParameters json: String) -> [OutlineBox] {
        guard let data = json.data(using: .utf8),
            let root = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        else { return [] }
        var out: [OutlineBox] = []
        collect(root, label: nil, depth: 0, into: &out)
        return out
    }

    private static func number(_ value: Any?) -> Double? {
        if let n = value as? NSNumber { return n.doubleValue }
        return nil
    }

    private static func rect(_ value: Any?) -> (Double, Double, Double, Double)? {
        if let array = value as? [Any], array.count == 4 {
            let n = array.compactMap(number)
            if n.count == 4 { return (n[0], n[1], n[2], n[3]) }
        }
        if let object = value as? [String: Any], let x = number(object["x"]), let y = number(object["y"]),
            let w = number(object["width"] ?? object["w"]), let h = number(object["height"] ?? object["h"])
        {
            return (x, y, w, h)
        }
        return nil
    }

    private static func labelOf(_ object: [String: Any]) -> String? {
        for key in ["label", "class", "chromosome", "name"] {
            if let s = object[key] as? String { return s }
            if let n = object[key] as? NSNumber { return n.stringValue }
        }
        return nil
    }

    private static func collect(_ value: Any, label: String?, depth: Int, into out: inout [OutlineBox]) {
        guard depth <= 4 else { return }
        if let array = value as? [Any] {
            for element in array { collect(element, label: label, depth: depth + 1, into: &out) }
            return
        }
        guard let object = value as? [String: Any] else { return }
        let label = labelOf(object) ?? label
        for key in ["box", "source_box", "sourceBox", "bbox"] {
            if let (x, y, w, h) = rect(object[key]), w > 0, h > 0 {
                out.append(OutlineBox(label: label ?? "", x: x, y: y, width: w, height: h))
            }
        }
        if object["box"] == nil, let (x, y, w, h) = rect(object), w > 0, h > 0, labelOf(object) != nil {
            out.append(OutlineBox(label: label ?? "", x: x, y: y, width: w, height: h))
        }
        for (key, child) in object where !["box", "source_box", "sourceBox", "bbox"].contains(key) {
            if child is [Any] || child is [String: Any] {
                collect(child, label: label, depth: depth + 1, into: &out)
            }
        }
    }
}

extension ReviewApp {
    func sampleImages(_ token: String) throws -> SampleImages {
        SampleImages(sample: try store.sample(token: token), derived: try store.derivedImages(sample: token))
    }

    func imageURL(_ token: String, _ hash: String) -> String { "/images/\(urlComponent(token))/\(hash)" }

    /// The normalized image, the chromosomes at full resolution and the whole image with the 9s
    /// and 22s outlined.
    func imagePanels(_ images: SampleImages) -> String {
        let token = images.sample.token
        var html = "<div class=\"grid\">"
        if let normalized = images.normalized {
            html += """
                <figure class="panel"><img class="norm" id="normalized" src="\(imageURL(token, normalized.blobHash))" \
                alt="normalized 90x90 input"><figcaption>Model input: normalized 90×90 (shown ×3)</figcaption></figure>
                """
        } else {
            html += "<div class=\"panel muted\">No normalized 90×90 image (step \(SampleImages.normalizedStep)) for this sample.</div>"
        }
        if !images.chromosomes.isEmpty {
            html += "<figure class=\"panel\"><div class=\"grid\">"
            for image in images.chromosomes {
                let label = SampleImages.boxes(inParameters: image.parameters).first?.label ?? ""
                html += """
                    <figure><img class="chromosome" src="\(imageURL(token, image.blobHash))" alt="\(esc(image.step))">\
                    <figcaption>\(esc(label.isEmpty ? image.step : "chr \(label)"))</figcaption></figure>
                    """
            }
            html += "</div><figcaption>Extracted chromosomes, full resolution</figcaption></figure>"
        }
        html += "</div>"
        let w = images.sample.width, h = images.sample.height
        var rects = ""
        for box in images.boxes {
            let digits = String(box.label.filter(\.isNumber))
            let cls = digits == "9" ? "c9" : digits == "22" ? "c22" : "other"
            rects += "<rect class=\"\(cls)\" x=\"\(box.x)\" y=\"\(box.y)\" width=\"\(box.width)\" height=\"\(box.height)\"><title>\(esc(box.label))</title></rect>"
        }
        html += """
            <figure class="panel"><div class="whole"><img id="whole" src="\(imageURL(token, images.sample.blobHash))" \
            width="\(w)" height="\(h)" alt="whole de-identified \(esc(images.sample.kind))">\
            <svg viewBox="0 0 \(w) \(h)" preserveAspectRatio="none" aria-hidden="true">\(rects)</svg></div>
            <figcaption>Whole de-identified \(esc(images.sample.kind)), \(w)×\(h); \
            \(images.boxes.isEmpty ? "no extracted boxes recorded" : "chromosomes 9 outlined red, 22 blue (\(images.boxes.count) boxes)")</figcaption></figure>
            """
        return html
    }

    /// GET /images/:token/:hash — one of the sample's own images; anything else is 404.
    func image(_ request: Request, _ context: ServeContext) async throws -> Response {
        _ = try require(context, .reviewer)
        let token = context.parameters.get("token") ?? ""
        let hash = context.parameters.get("hash") ?? ""
        guard Self.isSampleToken(token), Secrets.isHash(hash) else {
            throw ServeError(.notFound, "no such image")
        }
        let images: SampleImages
        do {
            images = try sampleImages(token)
        } catch let error as StoreError where error.code == .notFound {
            throw ServeError(.notFound, "no such image")
        }
        guard images.contains(hash: hash) else { throw ServeError(.notFound, "no such image") }
        let data = try store.readBlob(hash)
        return Response(
            status: .ok,
            headers: [
                .contentType: "image/png", .contentLength: String(data.count),
                .cacheControl: "private, max-age=86400, immutable",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func isSampleToken(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 3, bytes.count <= 40, bytes[0] == UInt8(ascii: "s"), bytes[1] == UInt8(ascii: "-") else {
            return false
        }
        return bytes[2...].allSatisfy { (48...57).contains($0) || (97...122).contains($0) }
    }
}
