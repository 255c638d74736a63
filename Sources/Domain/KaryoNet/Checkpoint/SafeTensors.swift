import Foundation

/// A safetensors file: an 8-byte little-endian header length, a JSON header mapping each tensor
/// name to `{dtype, shape, data_offsets}` (plus optional string `__metadata__`), then the raw
/// little-endian data.
public struct SafeTensors: Sendable {
    /// Element types of the format.
    public enum DType: String, Sendable, CaseIterable {
        case F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL
        /// Bytes per element.
        public var size: Int {
            switch self {
            case .F64, .I64: 8
            case .F32, .I32: 4
            case .F16, .BF16, .I16: 2
            case .I8, .U8, .BOOL: 1
            }
        }
    }

    /// One stored tensor.
    public struct Entry: Sendable {
        public var dtype: DType
        public var shape: [Int]
        /// Raw little-endian bytes.
        public var data: Data
    }

    /// The tensors by name.
    public var entries: [String: Entry] = [:]
    /// String metadata (`__metadata__`).
    public var metadata: [String: String] = [:]

    public init() {}

    /// Reads a file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw KaryoNetError.invalidCheckpoint("cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(data: data)
    }

    /// Parses serialized bytes, validating every offset.
    public init(data: Data) throws {
        guard data.count >= 8 else { throw KaryoNetError.invalidCheckpoint("file shorter than 8 bytes") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8), headerLength <= 100_000_000 else {
            throw KaryoNetError.invalidCheckpoint("header length \(headerLength) exceeds the file size")
        }
        let start = data.startIndex
        let headerData = data.subdata(in: (start + 8)..<(start + 8 + Int(headerLength)))
        guard let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any] else {
            throw KaryoNetError.invalidCheckpoint("header is not a JSON object")
        }
        let body = start + 8 + Int(headerLength)
        let bodyCount = data.count - 8 - Int(headerLength)
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw KaryoNetError.invalidCheckpoint("__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw KaryoNetError.invalidCheckpoint("__metadata__ value '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let info = value as? [String: Any], let dtypeName = info["dtype"] as? String,
                  let shapeValues = info["shape"] as? [Any], let offsets = info["data_offsets"] as? [Any],
                  offsets.count == 2
            else { throw KaryoNetError.invalidCheckpoint("tensor '\(name)' has a malformed header entry") }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw KaryoNetError.invalidCheckpoint("tensor '\(name)' has unsupported dtype \(dtypeName)")
            }
            let shape = shapeValues.compactMap { ($0 as? NSNumber)?.intValue }
            let bounds = offsets.compactMap { ($0 as? NSNumber)?.intValue }
            guard shape.count == shapeValues.count, shape.allSatisfy({ $0 >= 0 }), bounds.count == 2,
                  bounds[0] >= 0, bounds[0] <= bounds[1], bounds[1] <= bodyCount,
                  bounds[1] - bounds[0] == shape.reduce(1, *) * dtype.size
            else { throw KaryoNetError.invalidCheckpoint("tensor '\(name)' has inconsistent shape or data offsets") }
            entries[name] = Entry(dtype: dtype, shape: shape,
                                  data: data.subdata(in: (body + bounds[0])..<(body + bounds[1])))
        }
    }

    /// Serializes (names sorted, header padded with spaces to a multiple of 8 bytes).
    public func serialized() -> Data {
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(m.joined(separator: ","))}")
        }
        var offset = 0
        let names = entries.keys.sorted()
        for name in names {
            let e = entries[name]!
            parts.append("\(jsonString(name)):{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(e.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + e.data.count)]}")
            offset += e.data.count
        }
        var header = Array("{\(parts.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for name in names { out.append(entries[name]!.data) }
        return out
    }

    /// Writes the file atomically.
    public func write(to url: URL) throws { try serialized().write(to: url, options: .atomic) }

    /// Stores a Float32 tensor (in plain row-major order).
    public mutating func setFloat(_ name: String, _ tensor: Tensor) {
        let data = tensor.withUnsafeBufferPointer { Data(buffer: $0) }
        entries[name] = Entry(dtype: .F32, shape: tensor.shape, data: data)
    }

    /// Stores Int64 values.
    public mutating func setInt64(_ name: String, _ values: [Int64], shape: [Int]) {
        let data = values.map(\.littleEndian).withUnsafeBufferPointer { Data(buffer: $0) }
        entries[name] = Entry(dtype: .I64, shape: shape, data: data)
    }

    /// A stored floating-point tensor as Float32 (F64, F16 and BF16 are converted).
    public func float(_ name: String) throws -> Tensor {
        guard let e = entries[name] else { throw KaryoNetError.missingTensor(name) }
        let n = e.shape.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        try e.data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            switch e.dtype {
            case .F32:
                for i in 0..<n { values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            case .F64:
                for i in 0..<n { values[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
            case .F16:
                for i in 0..<n { values[i] = Self.halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            case .BF16:
                for i in 0..<n { values[i] = Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
            default:
                throw KaryoNetError.invalidCheckpoint("tensor '\(name)' has dtype \(e.dtype.rawValue), expected a floating-point type")
            }
        }
        return try Tensor(shape: e.shape, data: values, name: name)
    }

    /// A stored integer tensor as Int64 values.
    public func int64(_ name: String) throws -> [Int64] {
        guard let e = entries[name] else { throw KaryoNetError.missingTensor(name) }
        let n = e.shape.reduce(1, *)
        return try e.data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Int64] in
            switch e.dtype {
            case .I64: return (0..<n).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
            case .I32: return (0..<n).map { Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
            default: throw KaryoNetError.invalidCheckpoint("tensor '\(name)' has dtype \(e.dtype.rawValue), expected an integer type")
            }
        }
    }

    private static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F), mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            let v = Float(mantissa) * Float(sign == 0 ? 1 : -1) / 16_777_216   // 2^-24
            return v
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }

    private func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
