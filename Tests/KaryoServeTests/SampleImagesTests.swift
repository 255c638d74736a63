import Testing

@testable import KaryoServe

@Suite("Boxes from derived images' parameters")
struct SampleImagesTests {
    @Test("arrays, objects, nested lists and labels are read")
    func shapes() {
        let boxes = SampleImages.boxes(
            inParameters: """
                {"size":90,"boxes":[{"label":"9","box":[1,2,3,4]},{"class":"22","box":{"x":5,"y":6,"width":7,"height":8}}],
                 "chromosomes":[{"chromosome":22,"bbox":{"x":9,"y":10,"w":11,"h":12}}]}
                """)
        #expect(boxes.count == 3)
        #expect(
            Set(boxes.map { "\($0.label):\(Int($0.x)),\(Int($0.y)),\(Int($0.width)),\(Int($0.height))" })
                == ["9:1,2,3,4", "22:5,6,7,8", "22:9,10,11,12"])
        #expect(SampleImages.boxes(inParameters: "{\"label\":\"9\",\"box\":[4,5,6,7]}") == [OutlineBox(label: "9", x: 4, y: 5, width: 6, height: 7)])
    }

    @Test("no boxes in unrelated or malformed JSON, and empty boxes are dropped")
    func none() {
        #expect(SampleImages.boxes(inParameters: "{\"size\":90}").isEmpty)
        #expect(SampleImages.boxes(inParameters: "not json").isEmpty)
        #expect(SampleImages.boxes(inParameters: "{\"box\":[1,2,0,5]}").isEmpty)
        #expect(SampleImages.boxes(inParameters: "{\"box\":[1,2]}").isEmpty)
    }
}
