/// A small built-in 5x7 bitmap font (digits, capital letters and a little punctuation), drawn at
/// any integer scale, horizontally or vertically. Used for karyogram slot numbers and for the
/// plainly fake identities burned into the de-identification samples.
enum BitmapFont {
    static let glyphWidth = 5
    static let glyphHeight = 7

    /// Rows top to bottom, `#` = ink.
    static let glyphs: [Character: [String]] = [
        "0": [" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "],
        "1": ["  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
        "2": [" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"],
        "3": ["#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "],
        "4": ["   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "],
        "5": ["#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "],
        "6": ["  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "],
        "7": ["#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "],
        "8": [" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "],
        "9": [" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "],
        "A": [" ### ", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"],
        "B": ["#### ", "#   #", "#   #", "#### ", "#   #", "#   #", "#### "],
        "C": [" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "],
        "D": ["#### ", "#   #", "#   #", "#   #", "#   #", "#   #", "#### "],
        "E": ["#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#####"],
        "F": ["#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#    "],
        "G": [" ### ", "#   #", "#    ", "# ###", "#   #", "#   #", " ####"],
        "H": ["#   #", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"],
        "I": [" ### ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
        "J": ["  ###", "   # ", "   # ", "   # ", "   # ", "#  # ", " ##  "],
        "K": ["#   #", "#  # ", "# #  ", "##   ", "# #  ", "#  # ", "#   #"],
        "L": ["#    ", "#    ", "#    ", "#    ", "#    ", "#    ", "#####"],
        "M": ["#   #", "## ##", "# # #", "# # #", "#   #", "#   #", "#   #"],
        "N": ["#   #", "#   #", "##  #", "# # #", "#  ##", "#   #", "#   #"],
        "O": [" ### ", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "],
        "P": ["#### ", "#   #", "#   #", "#### ", "#    ", "#    ", "#    "],
        "Q": [" ### ", "#   #", "#   #", "#   #", "# # #", "#  # ", " ## #"],
        "R": ["#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"],
        "S": [" ####", "#    ", "#    ", " ### ", "    #", "    #", "#### "],
        "T": ["#####", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "],
        "U": ["#   #", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "],
        "V": ["#   #", "#   #", "#   #", "#   #", "#   #", " # # ", "  #  "],
        "W": ["#   #", "#   #", "#   #", "# # #", "# # #", "# # #", " # # "],
        "X": ["#   #", "#   #", " # # ", "  #  ", " # # ", "#   #", "#   #"],
        "Y": ["#   #", "#   #", " # # ", "  #  ", "  #  ", "  #  ", "  #  "],
        "Z": ["#####", "    #", "   # ", "  #  ", " #   ", "#    ", "#####"],
        ":": ["     ", "  #  ", "  #  ", "     ", "  #  ", "  #  ", "     "],
        "-": ["     ", "     ", "     ", "#####", "     ", "     ", "     "],
        "/": ["    #", "    #", "   # ", "  #  ", " #   ", "#    ", "#    "],
        ",": ["     ", "     ", "     ", "     ", "  ## ", "   # ", "  #  "],
        ".": ["     ", "     ", "     ", "     ", "     ", " ##  ", " ##  "],
        "(": ["   # ", "  #  ", " #   ", " #   ", " #   ", "  #  ", "   # "],
        ")": [" #   ", "  #  ", "   # ", "   # ", "   # ", "  #  ", " #   "],
        "#": [" # # ", " # # ", "#####", " # # ", "#####", " # # ", " # # "],
        " ": ["     ", "     ", "     ", "     ", "     ", "     ", "     "],
    ]

    /// Width and height in pixels of `text` at `scale` (horizontal text; vertical swaps them).
    static func size(_ text: String, scale: Int) -> (width: Int, height: Int) {
        let n = text.count
        return (n == 0 ? 0 : (n * (glyphWidth + 1) - 1) * scale, glyphHeight * scale)
    }

    /// How a glyph's ink changes the canvas.
    enum Ink {
        /// Multiplies transmittance by `1 - strength` (dark text on a light ground).
        case dark(Float)
        /// Sets transmittance to `value` (light text on a dark strip).
        case light(Float)
    }

    /// Draws `text` with its top-left corner at (x, y). Vertical text runs bottom to top
    /// (rotated 90 degrees counter-clockwise). Returns the box of the pixels drawn.
    @discardableResult
    static func draw(_ text: String, into canvas: inout Canvas, x: Int, y: Int, scale: Int, ink: Ink,
                     vertical: Bool = false) -> BoxAccumulator {
        var box = BoxAccumulator()
        let (tw, _) = size(text, scale: scale)
        for (ci, ch) in text.uppercased().enumerated() {
            guard let rows = glyphs[ch] else { continue }
            for (gy, row) in rows.enumerated() {
                for (gx, c) in row.enumerated() where c == "#" {
                    for sy in 0..<scale {
                        for sx in 0..<scale {
                            // Horizontal position along the text, and vertical within the line.
                            let along = (ci * (glyphWidth + 1) + gx) * scale + sx
                            let across = gy * scale + sy
                            let px = vertical ? x + across : x + along
                            let py = vertical ? y + (tw - 1 - along) : y + across
                            guard px >= 0, py >= 0, px < canvas.width, py < canvas.height else { continue }
                            let k = py * canvas.width + px
                            switch ink {
                            case .dark(let s): canvas.transmittance[k] *= 1 - s
                            case .light(let v): canvas.transmittance[k] = v
                            }
                            box.add(px, py)
                        }
                    }
                }
            }
        }
        return box
    }
}
