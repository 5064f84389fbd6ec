import OCRFleetTesting
import Testing

@testable import OCRFleetDocuments

/// Japanese set vertically reads as people read it: tier by tier from the top, in each tier its
/// columns from right to left, each column from its top, whatever order the PDF draws them in.
@Suite struct VerticalTextLayerTests {
    @Test func columnsReadFromTheRightTierByTier() throws {
        let pdf = try PDFDocument(path: Fixtures.path("text-layer/vertical.pdf"), password: nil)
        let page = try pdf.text(page: 0, includeInvisible: false)
        #expect(page.isUsable)
        #expect(
            TextLayerMarkdown(page).markdown == """
                春の朝

                窓をあけると風が入る

                庭の木に小さな鳥がいる

                湯気の立つお茶を飲みながら

                今日の仕事を考える

                駅までの道は静かで

                川の水は光っている

                電車はまだ来ない

                二〇二六年四月一日

                山田花子
                """
        )
        let upper = page.words.prefix(5).map(\.box)
        #expect(zip(upper, upper.dropFirst()).allSatisfy { $0.x0 > $1.x1 }, "the upper tier's columns from the right")
        let column = page.words.suffix(2).map(\.box)
        #expect(column[0].y1 < column[1].y0, "the date above the name in the last column")
    }
}
