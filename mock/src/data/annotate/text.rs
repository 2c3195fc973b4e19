//! Finding a rule's query in a segment's text on word boundaries, with or without case, and
//! mapping a match to the segment's words.

use std::ops::Range;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::conversation::transcript::transcript_segment::WordInfo;

/// The first occurrence of `query` in `text` on word boundaries, as a byte range of `text`:
/// one rule on one segment, for tests (the annotator folds each text once, for every rule).
#[cfg(test)]
pub(crate) fn find_phrase(text: &str, query: &str, case_sensitive: bool) -> Option<Range<usize>> {
    let query = query.trim();
    let folded_query = (!case_sensitive).then(|| Folded::new(query).text);
    find_query(text, &Folded::new(text), query, folded_query.as_deref())
}

/// The first occurrence of a (trimmed) query in `text` on word boundaries: of `query` itself
/// when `folded_query` is `None` (case-sensitive), else of `folded_query` in `folded`, `text`'s
/// folding.
pub(super) fn find_query(
    text: &str,
    folded: &Folded,
    query: &str,
    folded_query: Option<&str>,
) -> Option<Range<usize>> {
    match folded_query {
        None => find_on_boundaries(text, text, query, Some),
        Some(q) => find_on_boundaries(text, &folded.text, q, |at| folded.to_original(at)),
    }
}

/// Searches `haystack` (the `original` text or its folding) for `needle`, accepting the first
/// occurrence that maps back to whole characters of `original` (through `to_original`) and
/// sits on word boundaries there. Returns its range in `original`.
fn find_on_boundaries(
    original: &str,
    haystack: &str,
    needle: &str,
    to_original: impl Fn(usize) -> Option<usize>,
) -> Option<Range<usize>> {
    if needle.is_empty() {
        return None;
    }
    let mut from = 0;
    while let Some(found) = haystack.get(from..)?.find(needle) {
        let start = from.checked_add(found)?;
        let end = start.checked_add(needle.len())?;
        if let (Some(s), Some(e)) = (to_original(start), to_original(end)) {
            if on_word_boundaries(original, s, e) {
                return Some(s..e);
            }
        }
        // Step one character, not past the occurrence: an overlapping one may be on boundaries
        // where this one was not ("a.a" in "ba.a.a").
        from = start.checked_add(haystack.get(start..)?.chars().next()?.len_utf8())?;
    }
    None
}

/// Whether `text[start..end]` has no alphanumeric character right before or right after it.
fn on_word_boundaries(text: &str, start: usize, end: usize) -> bool {
    let before = text.get(..start).map(|t| t.chars().next_back());
    let after = text.get(end..).map(|t| t.chars().next());
    match (before, after) {
        (Some(before), Some(after)) => {
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        }
        // Not on character boundaries: not an occurrence at all.
        _ => false,
    }
}

/// A text lowercased character by character, with the way back to the original's offsets.
///
/// Lowercasing can change a character's length in bytes (and `İ` becomes two characters), so an
/// occurrence in the folded text is mapped back before its boundaries are checked; one that
/// starts or ends inside a character's folding is not an occurrence of the original.
pub(super) struct Folded {
    /// The lowercased text.
    pub(super) text: String,
    /// For each original character, and the end: (offset in `text`, offset in the original),
    /// increasing in both.
    offsets: Vec<(usize, usize)>,
}

impl Folded {
    /// Folds `original`.
    pub(super) fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut offsets = Vec::with_capacity(original.len().saturating_add(1));
        for (at, c) in original.char_indices() {
            offsets.push((text.len(), at));
            text.extend(c.to_lowercase());
        }
        offsets.push((text.len(), original.len()));
        Folded { text, offsets }
    }

    /// The original offset of folded offset `at`, if `at` starts a character's folding (or is
    /// the end).
    fn to_original(&self, at: usize) -> Option<usize> {
        let i = self.offsets.binary_search_by_key(&at, |&(f, _)| f).ok()?;
        self.offsets.get(i).map(|&(_, o)| o)
    }
}

/// The indexes of the first and last of `words` that the occurrence `matched` (a byte range of
/// `text`) covers, or (0, 0) where the words do not line up with the text (see the module docs).
pub(crate) fn word_span(
    text: &str,
    matched: &Range<usize>,
    words: &[WordInfo],
    case_sensitive: bool,
) -> (usize, usize) {
    let tokens: Vec<(Range<usize>, String)> = text_tokens(text)
        .into_iter()
        .filter_map(|range| {
            let token = normalise(text.get(range.clone())?, case_sensitive);
            (!token.is_empty()).then_some((range, token))
        })
        .collect();
    // Tokens are in order and disjoint: those the match touches are a run from the first.
    let Some(position) = tokens
        .iter()
        .position(|(r, _)| r.end > matched.start && r.start < matched.end)
    else {
        return (0, 0);
    };
    let wanted: Vec<&str> = tokens
        .iter()
        .skip(position)
        .take_while(|(r, _)| r.start < matched.end)
        .map(|(_, t)| t.as_str())
        .collect();
    let words: Vec<(usize, String)> = words
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            let word = normalise(&w.word, case_sensitive);
            (!word.is_empty()).then_some((i, word))
        })
        .collect();
    let run_at = |i: usize| -> Option<(usize, usize)> {
        let run = words.get(i..i.checked_add(wanted.len())?)?;
        let same = run
            .iter()
            .map(|(_, w)| w.as_str())
            .eq(wanted.iter().copied());
        same.then_some((run.first()?.0, run.last()?.0))
    };
    run_at(position)
        .or_else(|| (0..words.len()).find_map(run_at))
        .unwrap_or((0, 0))
}

/// The byte ranges of `text`'s whitespace-separated tokens.
fn text_tokens(text: &str) -> Vec<Range<usize>> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                tokens.push(s..at);
            }
        } else if start.is_none() {
            start = Some(at);
        }
    }
    if let Some(s) = start {
        tokens.push(s..text.len());
    }
    tokens
}

/// A token as words are compared: trimmed of non-alphanumeric ends, lowercased unless
/// `case_sensitive`.
fn normalise(token: &str, case_sensitive: bool) -> String {
    let trimmed = token.trim_matches(|c: char| !c.is_alphanumeric());
    if case_sensitive {
        trimmed.to_owned()
    } else {
        // Per character, as the rule matching folds: `str::to_lowercase`'s final-sigma rule
        // would make the two disagree.
        trimmed.chars().flat_map(char::to_lowercase).collect()
    }
}
