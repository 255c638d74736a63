import Foundation
import Hummingbird
import KaryoCore
import KaryoStore

/// The images of a sample as the review pages show them.
struct SampleImages: Sendable {
    var sample: SampleInfo
    /// The newest normalized 90x90 image.
    var normalized: DerivedImageInfo?
    /// The extracted chromosomes, oldest first.
    var chromosomes: [DerivedImageInfo]
    /// The class and box of each of `chromosomes` (nil where its parameters do not say).
    var chromosomeBoxes: [LabelledBox?]
    /// Where the extracted chromosomes were in the whole image (one per distinct box).
    var boxes: [LabelledBox]

    init(sample: SampleInfo, derived: [DerivedImageInfo]) {
        self.sample = sample
        normalized = derived.last { $0.step == .normalizeT922 }
        chromosomes = derived.filter { $0.step == .extractChromosome }
        chromosomeBoxes = chromosomes.map(Self.box(of:))
        var boxes: [LabelledBox] = []
        for case let box? in chromosomeBoxes where !boxes.contains(box) { boxes.append(box) }
        self.boxes = boxes
    }

    /// Whether `hash` is one of this sample's images (the only blobs its image URLs may name).
    func contains(hash: String) -> Bool {
        sample.blobHash == hash || normalized?.blobHash == hash || chromosomes.contains { $0.blobHash == hash }
    }

    /// The class and box of an extracted chromosome, from its recorded parameters (nil for other
    /// derived images, unreadable parameters or an empty box).
    static func box(of image: DerivedImageInfo) -> LabelledBox? {
        guard case .chromosome(let p)? = DerivationParameters(step: image.step, json: image.parameters), !p.box.isEmpty
        else { return nil }
        return LabelledBox(label: p.label, box: p.box)
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
            html += "<div class=\"panel muted\">No normalized 90×90 image (step \(DerivedStep.normalizeT922.rawValue)) for this sample.</div>"
        }
        if !images.chromosomes.isEmpty {
            html += "<figure class=\"panel\"><div class=\"grid\">"
            for (image, box) in zip(images.chromosomes, images.chromosomeBoxes) {
                let label = box?.label ?? ""
                html += """
                    <figure><img class="chromosome" src="\(imageURL(token, image.blobHash))" alt="\(esc(image.step.rawValue))">\
                    <figcaption>\(esc(label.isEmpty ? image.step.rawValue : "chr \(label)"))</figcaption></figure>
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
            rects += "<rect class=\"\(cls)\" x=\"\(box.box.x)\" y=\"\(box.box.y)\" width=\"\(box.box.width)\" height=\"\(box.box.height)\"><title>\(esc(box.label))</title></rect>"
        }
        html += """
            <figure class="panel"><div class="whole"><img id="whole" src="\(imageURL(token, images.sample.blobHash))" \
            width="\(w)" height="\(h)" alt="whole de-identified \(esc(images.sample.kind.rawValue))">\
            <svg viewBox="0 0 \(w) \(h)" preserveAspectRatio="none" aria-hidden="true">\(rects)</svg></div>
            <figcaption>Whole de-identified \(esc(images.sample.kind.rawValue)), \(w)×\(h); \
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
