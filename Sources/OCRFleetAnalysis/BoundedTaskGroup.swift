/// Runs `body` for each element in child tasks, at most `width` of them alive at once, and
/// hands each result to `collect` as it comes (in the order they finish). A 5,000-page document
/// is not 5,000 tasks waiting on the model client's limit, each holding its page's prompt.
/// When `collect` answers false, the tasks still running are cancelled and no more are started.
func forEachBounded<Element: Sendable, Outcome: Sendable>(
    _ elements: [Element],
    width: Int,
    body: @escaping @Sendable (Element) async -> Outcome,
    collect: (Outcome) -> Bool
) async {
    await withTaskGroup(of: Outcome.self) { group in
        var next = elements.startIndex
        while next < elements.endIndex, next - elements.startIndex < max(1, width) {
            let element = elements[next]
            group.addTask { await body(element) }
            next += 1
        }
        while let outcome = await group.next() {
            guard collect(outcome), !Task.isCancelled else {
                group.cancelAll()
                return
            }
            if next < elements.endIndex {
                let element = elements[next]
                group.addTask { await body(element) }
                next += 1
            }
        }
    }
}
