//! AIP-160 filters, parsed against any message type and evaluated on its `DynamicMessage`s.
//!
//! Insights' list-like methods (ListConversations, CalculateStats, BulkDeleteConversations, …)
//! take a `filter` written in the [AIP-160](https://google.aip.dev/160) language. This module
//! implements the subset of it those filters use:
//!
//! ```text
//! filter     = [expression]                      (empty or blank: matches everything)
//! expression = sequence {"AND" sequence}
//! sequence   = factor {factor}                   (juxtaposition is an AND)
//! factor     = term {"OR" term}
//! term       = ("NOT" | "-") term | simple
//! simple     = "(" expression ")" | comparison
//! comparison = path op value | path ":" "*"
//! op         = "=" | "!=" | "<" | "<=" | ">" | ">=" | ":"
//! value      = "double-quoted" | 'single-quoted' | bare word
//! ```
//!
//! As AIP-160 says (and unlike most languages), `OR` binds tighter than `AND`:
//! `a AND b OR c` is `a AND (b OR c)`, and `a b OR c` is `a AND (b OR c)` too. Keywords are
//! case-sensitive (`and` is not a keyword). Strings take `\` escapes (`\"`, `\'`, `\\`: a
//! backslash stands for the character after it). A bare word is letters, digits and `_-.:+`, so
//! `CHAT`, `42`, `-1.5`, `20s` and `2024-01-01T00:00:00Z` need no quotes.
//!
//! **Paths** are field names joined by `.`, each the proto name (`agent_id`) or its JSON name
//! (`agentId`). Everything is resolved when parsing, so an unknown field is an error then, not a
//! filter that silently matches nothing. Through a repeated message field a comparison holds if
//! it holds for ANY element (`quality_metadata.agent_info.agent_id = "a1"`); so does a comparison
//! on a repeated scalar field; an empty list has no element to match. A map with string keys is
//! reached by key, with the rest of the path as the key (`labels.team`, `labels.app.tier` is key
//! `app.tier`): a missing key makes `!=` true and every other comparison (`:*` included) false.
//! `labels:team` tests that the key is present.
//!
//! **Values** are typed by the field when parsing, and one that does not fit is an error:
//! strings compare as text (`:` is plain equality, `<` and friends are lexicographic, no `*`
//! wildcards); integers and floats as numbers; bools as `true`/`false`; enums by value name or
//! number (ordering by number); `google.protobuf.Timestamp` as RFC 3339 and
//! `google.protobuf.Duration` as `"20s"`/`1.5s`, both in time. An unset field compares as its
//! default (`""`, `0`, the epoch, `0s`), as AIP-160 says of proto3 fields.
//!
//! **Presence**: `path:*` holds when a message field is set, a scalar is not its default, or a
//! repeated or map field is not empty. Other message fields support nothing but `:*`.
//!
//! **Not supported**: global restrictions (a bare value with no field), functions (`f(x)`),
//! string wildcards, `:` as "contains" on strings, quoted map keys, comparisons between fields,
//! maps with non-string keys, and traversal past a map value.
//!
//! **Errors** are `INVALID_ARGUMENT`, `invalid filter: …`, naming the offending token or path and
//! its 1-based position in characters. The input is hostile, so it is bounded: its length
//! ([`MAX_FILTER_LEN`]), its nesting ([`MAX_DEPTH`]: the parser only recurses per level) and its
//! comparisons ([`MAX_TERMS`]); and messages quote at most 64 characters of it.

use std::cmp::Ordering;
use std::str::FromStr;

use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, Value};
use tonic::Status;

/// The longest filter accepted, in bytes.
pub(crate) const MAX_FILTER_LEN: usize = 8 * 1024;
/// The deepest nesting of parentheses / NOT accepted.
pub(crate) const MAX_DEPTH: usize = 32;
/// The most comparisons one filter may hold.
pub(crate) const MAX_TERMS: usize = 256;
/// The most characters of client text an error message quotes.
const MAX_QUOTED: usize = 64;

/// A parsed filter, checked against a message type.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    /// `None` for the empty filter.
    expr: Option<Expr>,
}

impl Filter {
    /// Parses `text` against the fields of `desc`. Empty or all-whitespace text matches everything.
    /// Errors are `Status::invalid_argument` whose message says what is wrong and where: the
    /// 1-based character position, and the offending token or field path, e.g.
    /// `invalid filter: unknown field "agentid" at position 1` or
    /// `invalid filter: expected a value after "=" at position 10`.
    pub(crate) fn parse(text: &str, desc: &MessageDescriptor) -> Result<Filter, Status> {
        if text.len() > MAX_FILTER_LEN {
            return Err(invalid(format!(
                "longer than {MAX_FILTER_LEN} bytes ({} bytes)",
                text.len()
            )));
        }
        if text.trim().is_empty() {
            return Ok(Filter { expr: None });
        }
        let mut parser = Parser {
            chars: text.chars().collect(),
            at: 0,
            root: desc,
            depth: 0,
            terms: 0,
        };
        let expr = parser.filter().map_err(invalid)?;
        Ok(Filter { expr: Some(expr) })
    }

    /// Whether `message` (of the type given to `parse`) passes.
    pub(crate) fn matches(&self, message: &DynamicMessage) -> bool {
        self.expr.as_ref().is_none_or(|expr| expr.eval(message))
    }

    /// Whether the filter is empty (matches everything).
    pub(crate) fn is_empty(&self) -> bool {
        self.expr.is_none()
    }
}

fn invalid(message: String) -> Status {
    Status::invalid_argument(format!("invalid filter: {message}"))
}

/// Client text for an error message: quoted, escaped (no control characters reach logs) and cut
/// to [`MAX_QUOTED`] characters.
fn quote(text: &str) -> String {
    let mut cut: String = text.chars().take(MAX_QUOTED).collect();
    if text.chars().nth(MAX_QUOTED).is_some() {
        cut.push('…');
    }
    format!("{cut:?}")
}

#[derive(Debug, Clone)]
enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Test(Restriction),
}

impl Expr {
    fn all(parts: Vec<Expr>) -> Expr {
        Expr::join(parts, Expr::And)
    }

    fn any(parts: Vec<Expr>) -> Expr {
        Expr::join(parts, Expr::Or)
    }

    /// One part stands for itself, keeping the tree (and its evaluation) shallow.
    fn join(mut parts: Vec<Expr>, combine: fn(Vec<Expr>) -> Expr) -> Expr {
        if parts.len() == 1 {
            if let Some(only) = parts.pop() {
                return only;
            }
        }
        combine(parts)
    }

    fn eval(&self, message: &DynamicMessage) -> bool {
        match self {
            Expr::And(parts) => parts.iter().all(|part| part.eval(message)),
            Expr::Or(parts) => parts.iter().any(|part| part.eval(message)),
            Expr::Not(inner) => !inner.eval(message),
            Expr::Test(restriction) => restriction.walk(message, &restriction.path),
        }
    }
}

/// One comparison, its path resolved to descriptors.
#[derive(Debug, Clone)]
struct Restriction {
    /// From the root message; never empty; only the last field may be a map.
    path: Vec<FieldDescriptor>,
    /// The key when the last field is a map reached by key.
    key: Option<MapKey>,
    test: Test,
}

#[derive(Debug, Clone)]
enum Test {
    Present,
    Compare(Op, Literal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Has,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Has => ":",
        }
    }

    /// Whether a field value ordered `ordering` against the literal passes; `None` is unordered
    /// (NaN), which only `!=` accepts.
    fn holds(self, ordering: Option<Ordering>) -> bool {
        match (self, ordering) {
            (Op::Ne, ordering) => ordering != Some(Ordering::Equal),
            (_, None) => false,
            (Op::Eq | Op::Has, Some(o)) => o == Ordering::Equal,
            (Op::Lt, Some(o)) => o == Ordering::Less,
            (Op::Le, Some(o)) => o != Ordering::Greater,
            (Op::Gt, Some(o)) => o == Ordering::Greater,
            (Op::Ge, Some(o)) => o != Ordering::Less,
        }
    }
}

/// A value typed by its field's kind when parsing.
#[derive(Debug, Clone)]
enum Literal {
    Text(String),
    /// Wide enough for every int32/int64/uint32/uint64 value, so no comparison wraps.
    Int(i128),
    Float(f64),
    Bool(bool),
    Enum(i32),
    /// A Timestamp (since the epoch) or a Duration, in nanoseconds.
    Nanos(i128),
}

impl Restriction {
    /// Follows `path` from `message`, ANY element of a repeated message field sufficing.
    /// Recursion is per path segment, which parsing bounds by [`MAX_DEPTH`].
    fn walk(&self, message: &DynamicMessage, path: &[FieldDescriptor]) -> bool {
        match path {
            [] => false,
            [last] => self.test_field(message, last),
            [field, rest @ ..] => match &*message.get_field(field) {
                Value::Message(inner) => self.walk(inner, rest),
                Value::List(items) => items
                    .iter()
                    .any(|item| matches!(item, Value::Message(inner) if self.walk(inner, rest))),
                _ => false,
            },
        }
    }

    fn test_field(&self, message: &DynamicMessage, field: &FieldDescriptor) -> bool {
        if let Some(key) = &self.key {
            let map = message.get_field(field);
            let entry = match &*map {
                Value::Map(entries) => entries.get(key),
                _ => None,
            };
            return match (entry, &self.test) {
                (None, Test::Compare(Op::Ne, _)) => true,
                (None, _) => false,
                (Some(_), Test::Present) => true,
                (Some(value), Test::Compare(op, literal)) => compare(value, *op, literal),
            };
        }
        match &self.test {
            Test::Present => message.has_field(field),
            Test::Compare(op, literal) => match &*message.get_field(field) {
                Value::List(items) => items.iter().any(|item| compare(item, *op, literal)),
                value => compare(value, *op, literal),
            },
        }
    }
}

fn compare(value: &Value, op: Op, literal: &Literal) -> bool {
    let ordering = match (value, literal) {
        (Value::String(s), Literal::Text(t)) => Some(s.as_str().cmp(t.as_str())),
        (Value::Bytes(b), Literal::Text(t)) => Some(b.as_ref().cmp(t.as_bytes())),
        (Value::I32(n), Literal::Int(i)) => Some(i128::from(*n).cmp(i)),
        (Value::I64(n), Literal::Int(i)) => Some(i128::from(*n).cmp(i)),
        (Value::U32(n), Literal::Int(i)) => Some(i128::from(*n).cmp(i)),
        (Value::U64(n), Literal::Int(i)) => Some(i128::from(*n).cmp(i)),
        (Value::F32(f), Literal::Float(x)) => f64::from(*f).partial_cmp(x),
        (Value::F64(f), Literal::Float(x)) => f.partial_cmp(x),
        (Value::Bool(b), Literal::Bool(x)) => Some(b.cmp(x)),
        (Value::EnumNumber(n), Literal::Enum(x)) => Some(n.cmp(x)),
        (Value::Message(m), Literal::Nanos(x)) => Some(nanos(m).cmp(x)),
        // Parsing typed the literal by this very field, so this is not reached.
        _ => None,
    };
    op.holds(ordering)
}

/// A Timestamp's or Duration's `seconds` and `nanos` as one number, so that denormalized values
/// (nanos of the other sign, or over a second) still compare right.
fn nanos(message: &DynamicMessage) -> i128 {
    let part = |name: &str| match message.get_field_by_name(name).as_deref() {
        Some(Value::I64(n)) => i128::from(*n),
        Some(Value::I32(n)) => i128::from(*n),
        _ => 0,
    };
    part("seconds") * 1_000_000_000 + part("nanos")
}

const TIMESTAMP: &str = "google.protobuf.Timestamp";
const DURATION: &str = "google.protobuf.Duration";

/// What a path leads to.
struct Target {
    path: Vec<FieldDescriptor>,
    key: Option<MapKey>,
    /// The kind of the values compared: a list's elements, a map's values.
    kind: Kind,
    /// A map field named without a key: only `:*` and `:KEY` apply.
    whole_map: bool,
}

/// Resolves a dotted path (proto or JSON names) against `root`; the error names the path up to
/// the segment at fault.
fn resolve(root: &MessageDescriptor, path: &str) -> Result<Target, String> {
    if path.split('.').any(str::is_empty) {
        return Err(format!("empty segment in field path {}", quote(path)));
    }
    let mut desc = root.clone();
    let mut fields = Vec::new();
    let mut rest = path;
    let mut walked = String::new();
    loop {
        let (segment, tail) = match rest.split_once('.') {
            Some((segment, tail)) => (segment, Some(tail)),
            None => (rest, None),
        };
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(segment);
        let field = desc
            .get_field_by_name(segment)
            .or_else(|| desc.get_field_by_json_name(segment))
            .ok_or_else(|| format!("unknown field {}", quote(&walked)))?;
        fields.push(field.clone());
        if fields.len() > MAX_DEPTH {
            return Err(format!(
                "field path {} is deeper than {MAX_DEPTH} fields",
                quote(path)
            ));
        }
        if field.is_map() {
            let Kind::Message(entry) = field.kind() else {
                return Err(format!("map field {} has no entry type", quote(&walked)));
            };
            let value_kind = entry.map_entry_value_field().kind();
            let Some(key) = tail else {
                return Ok(Target {
                    path: fields,
                    key: None,
                    kind: value_kind,
                    whole_map: true,
                });
            };
            if !matches!(entry.map_entry_key_field().kind(), Kind::String) {
                return Err(format!(
                    "map field {} has non-string keys, which filters do not support",
                    quote(&walked)
                ));
            }
            return Ok(Target {
                path: fields,
                key: Some(MapKey::String(key.to_owned())),
                kind: value_kind,
                whole_map: false,
            });
        }
        match (tail, field.kind()) {
            (None, kind) => {
                return Ok(Target {
                    path: fields,
                    key: None,
                    kind,
                    whole_map: false,
                })
            }
            (Some(tail), Kind::Message(inner)) => {
                desc = inner;
                rest = tail;
            }
            (Some(_), _) => {
                return Err(format!(
                    "field {} has no subfields (in {})",
                    quote(&walked),
                    quote(path)
                ))
            }
        }
    }
}

/// Types `text` by `kind`; the error says why it does not fit, the caller adds where.
fn literal(kind: &Kind, text: String, path: &str) -> Result<Literal, String> {
    let field = quote(path);
    match kind {
        Kind::String | Kind::Bytes => Ok(Literal::Text(text)),
        Kind::Int32
        | Kind::Sint32
        | Kind::Sfixed32
        | Kind::Int64
        | Kind::Sint64
        | Kind::Sfixed64
        | Kind::Uint32
        | Kind::Fixed32
        | Kind::Uint64
        | Kind::Fixed64 => text
            .parse::<i128>()
            .map(Literal::Int)
            .map_err(|_| format!("{} is not an integer (field {field})", quote(&text))),
        // Parsed as f32 so that `confidence = 0.1` equals the float field holding 0.1.
        Kind::Float => text
            .parse::<f32>()
            .map(|f| Literal::Float(f64::from(f)))
            .map_err(|_| format!("{} is not a number (field {field})", quote(&text))),
        Kind::Double => text
            .parse::<f64>()
            .map(Literal::Float)
            .map_err(|_| format!("{} is not a number (field {field})", quote(&text))),
        Kind::Bool => match text.as_str() {
            "true" => Ok(Literal::Bool(true)),
            "false" => Ok(Literal::Bool(false)),
            _ => Err(format!(
                "{} is not true or false (field {field})",
                quote(&text)
            )),
        },
        Kind::Enum(e) => e
            .get_value_by_name(&text)
            .map(|v| v.number())
            .or_else(|| text.parse::<i32>().ok())
            .map(Literal::Enum)
            .ok_or_else(|| {
                format!(
                    "{} is not a value of enum {} (field {field})",
                    quote(&text),
                    e.name()
                )
            }),
        Kind::Message(m) if m.full_name() == TIMESTAMP => prost_types::Timestamp::from_str(&text)
            .map(|t| Literal::Nanos(i128::from(t.seconds) * 1_000_000_000 + i128::from(t.nanos)))
            .map_err(|_| {
                format!(
                    "{} is not an RFC 3339 timestamp (field {field})",
                    quote(&text)
                )
            }),
        Kind::Message(m) if m.full_name() == DURATION => prost_types::Duration::from_str(&text)
            .map(|d| Literal::Nanos(i128::from(d.seconds) * 1_000_000_000 + i128::from(d.nanos)))
            .map_err(|_| {
                format!(
                    "{} is not a duration like \"20s\" or \"1.5s\" (field {field})",
                    quote(&text)
                )
            }),
        Kind::Message(m) => Err(format!(
            "field {field} is a message ({}): only \":*\" (presence) applies to it",
            m.name()
        )),
    }
}

/// A value as written.
enum Token {
    Star,
    Word(String),
}

fn is_path_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-')
}

fn is_bare_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '+')
}

type Parsed<T> = Result<T, String>;

/// A recursive-descent parser over the characters (positions are in characters). It recurses
/// once per `(` or NOT and [`Parser::enter`] caps those at [`MAX_DEPTH`], so the stack is
/// bounded whatever the input.
struct Parser<'a> {
    chars: Vec<char>,
    at: usize,
    root: &'a MessageDescriptor,
    depth: usize,
    terms: usize,
}

impl Parser<'_> {
    fn filter(&mut self) -> Parsed<Expr> {
        let expr = self.expression()?;
        self.skip_ws();
        // A sequence only stops at the end, a `)` or AND, so a `)` is what can be left.
        match self.peek() {
            None => Ok(expr),
            Some(_) => Err(format!(
                "unbalanced parentheses: {} with no \"(\" at position {}",
                self.found(),
                self.position()
            )),
        }
    }

    fn expression(&mut self) -> Parsed<Expr> {
        let mut parts = vec![self.sequence()?];
        loop {
            self.skip_ws();
            if !self.eat_keyword("AND") {
                return Ok(Expr::all(parts));
            }
            parts.push(self.sequence()?);
        }
    }

    fn sequence(&mut self) -> Parsed<Expr> {
        let mut parts = vec![self.factor()?];
        loop {
            self.skip_ws();
            if matches!(self.peek(), None | Some(')')) || self.at_keyword("AND") {
                return Ok(Expr::all(parts));
            }
            parts.push(self.factor()?);
        }
    }

    fn factor(&mut self) -> Parsed<Expr> {
        let mut parts = vec![self.term()?];
        loop {
            self.skip_ws();
            if !self.eat_keyword("OR") {
                return Ok(Expr::any(parts));
            }
            parts.push(self.term()?);
        }
    }

    fn term(&mut self) -> Parsed<Expr> {
        self.skip_ws();
        let start = self.position();
        let negated = self.eat('-') || self.eat_keyword("NOT");
        if !negated {
            return self.simple();
        }
        self.enter(start)?;
        let inner = self.term()?;
        self.depth -= 1;
        Ok(Expr::Not(Box::new(inner)))
    }

    fn simple(&mut self) -> Parsed<Expr> {
        let start = self.position();
        if !self.eat('(') {
            return self.restriction();
        }
        self.enter(start)?;
        let inner = self.expression()?;
        self.skip_ws();
        if !self.eat(')') {
            return Err(format!(
                "unbalanced parentheses: \"(\" at position {start} is not closed"
            ));
        }
        self.depth -= 1;
        Ok(inner)
    }

    /// Counts a level of nesting, refusing one too many before the parser recurses into it.
    fn enter(&mut self, start: usize) -> Parsed<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "nested deeper than {MAX_DEPTH} (parentheses and NOT) at position {start}"
            ));
        }
        Ok(())
    }

    fn restriction(&mut self) -> Parsed<Expr> {
        let begin = self.at;
        let start = self.position();
        let path = self.take_while(is_path_char);
        if path.is_empty() || path == "AND" || path == "OR" {
            self.at = begin;
            return Err(format!(
                "expected a field name but found {} at position {start}",
                self.found()
            ));
        }
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(format!(
                "more than {MAX_TERMS} comparisons at position {start}"
            ));
        }
        let target = resolve(self.root, &path).map_err(|e| format!("{e} at position {start}"))?;

        self.skip_ws();
        let op_at = self.position();
        let Some(op) = self.operator() else {
            return Err(format!(
                "expected an operator (=, !=, <, <=, >, >= or :) after {} but found {} at position {op_at}",
                quote(&path),
                self.found()
            ));
        };
        self.skip_ws();
        let value_at = self.position();
        let token = self.value()?.ok_or_else(|| {
            format!(
                "expected a value after {} at position {op_at}",
                quote(op.symbol())
            )
        })?;

        let test = match (op, token) {
            (Op::Has, Token::Star) => Test::Present,
            (_, Token::Star) => {
                return Err(format!(
                    "\"*\" only follows \":\" (presence), not {} at position {value_at}",
                    quote(op.symbol())
                ))
            }
            (Op::Has, Token::Word(key)) if target.whole_map => {
                return Ok(Expr::Test(Restriction {
                    path: target.path,
                    key: Some(MapKey::String(key)),
                    test: Test::Present,
                }))
            }
            (_, Token::Word(_)) if target.whole_map => {
                return Err(format!(
                    "map field {} takes only \":*\" or \":KEY\", not {} at position {op_at}",
                    quote(&path),
                    quote(op.symbol())
                ))
            }
            (op, Token::Word(text)) => Test::Compare(
                op,
                literal(&target.kind, text, &path)
                    .map_err(|e| format!("{e} at position {value_at}"))?,
            ),
        };
        Ok(Expr::Test(Restriction {
            path: target.path,
            key: target.key,
            test,
        }))
    }

    fn operator(&mut self) -> Option<Op> {
        let next = self.chars.get(self.at + 1).copied();
        let (op, len) = match (self.peek()?, next) {
            ('<', Some('=')) => (Op::Le, 2),
            ('>', Some('=')) => (Op::Ge, 2),
            ('!', Some('=')) => (Op::Ne, 2),
            ('<', _) => (Op::Lt, 1),
            ('>', _) => (Op::Gt, 1),
            ('=', _) => (Op::Eq, 1),
            (':', _) => (Op::Has, 1),
            _ => return None,
        };
        self.at += len;
        Some(op)
    }

    /// The value after an operator: `None` when there is none (a keyword is not a value: it
    /// would swallow the rest of the filter).
    fn value(&mut self) -> Parsed<Option<Token>> {
        match self.peek() {
            Some('*') => {
                self.at += 1;
                Ok(Some(Token::Star))
            }
            Some(quote_char @ ('"' | '\'')) => {
                self.quoted(quote_char).map(|s| Some(Token::Word(s)))
            }
            _ => {
                let word = self.take_while(is_bare_char);
                if word.is_empty() || matches!(word.as_str(), "AND" | "OR" | "NOT") {
                    return Ok(None);
                }
                Ok(Some(Token::Word(word)))
            }
        }
    }

    fn quoted(&mut self, quote_char: char) -> Parsed<String> {
        let start = self.position();
        self.at += 1;
        let mut text = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(format!("unterminated string starting at position {start}"));
            };
            self.at += 1;
            if c == quote_char {
                return Ok(text);
            }
            if c == '\\' {
                let Some(escaped) = self.peek() else {
                    return Err(format!("unterminated string starting at position {start}"));
                };
                self.at += 1;
                text.push(escaped);
            } else {
                text.push(c);
            }
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    /// The 1-based position of the next character.
    fn position(&self) -> usize {
        self.at + 1
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.peek() == Some(c);
        if found {
            self.at += 1;
        }
        found
    }

    /// Whether `keyword` is next as a whole word (`ORDER` is a field, not `OR`).
    fn at_keyword(&self, keyword: &str) -> bool {
        let mut at = self.at;
        for k in keyword.chars() {
            if self.chars.get(at) != Some(&k) {
                return false;
            }
            at += 1;
        }
        !self.chars.get(at).copied().is_some_and(is_path_char)
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.at_keyword(keyword);
        if found {
            self.at += keyword.len();
        }
        found
    }

    fn take_while(&mut self, keep: fn(char) -> bool) -> String {
        let mut taken = String::new();
        while let Some(c) = self.peek().filter(|c| keep(*c)) {
            taken.push(c);
            self.at += 1;
        }
        taken
    }

    /// The token at the cursor, quoted, for "found …" in errors.
    fn found(&self) -> String {
        let rest = self.chars.get(self.at..).unwrap_or_default();
        match rest.first() {
            None => "the end of the filter".to_owned(),
            Some(c) if is_path_char(*c) => {
                let word: String = rest
                    .iter()
                    .take_while(|c| is_path_char(**c))
                    .take(MAX_QUOTED + 1)
                    .collect();
                quote(&word)
            }
            Some(c) => quote(&c.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use ccai_lro::proto::google::cloud::contactcenterinsights::v1::conversation::{
        quality_metadata::AgentInfo,
        transcript::{transcript_segment::DialogflowSegmentMetadata, TranscriptSegment},
        Medium, QualityMetadata, Transcript,
    };
    use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{Analysis, Conversation};
    use prost::Message as _;

    use super::*;

    fn desc() -> MessageDescriptor {
        ccai_lro::registry::pool()
            .get_message_by_name("google.cloud.contactcenterinsights.v1.Conversation")
            .expect("Conversation is in the registry")
    }

    fn dynamic(conversation: &Conversation) -> DynamicMessage {
        DynamicMessage::decode(desc(), conversation.encode_to_vec().as_slice())
            .expect("a Conversation decodes")
    }

    fn timestamp(text: &str) -> prost_types::Timestamp {
        text.parse().expect("a valid timestamp")
    }

    /// A chat by agent a1 with labels, 7 turns, 20 s, started 2024-01-02, analyzed, two agents.
    fn chat() -> Conversation {
        Conversation {
            agent_id: "a1".into(),
            medium: Medium::Chat as i32,
            labels: HashMap::from([
                ("team".to_owned(), "blue".to_owned()),
                ("app.tier".to_owned(), "web".to_owned()),
            ]),
            turn_count: 7,
            duration: Some(prost_types::Duration {
                seconds: 20,
                nanos: 0,
            }),
            start_time: Some(timestamp("2024-01-02T00:00:00Z")),
            create_time: Some(timestamp("2024-01-03T12:00:00.5Z")),
            latest_analysis: Some(Analysis::default()),
            quality_metadata: Some(QualityMetadata {
                agent_info: vec![
                    AgentInfo {
                        agent_id: "x1".into(),
                        ..Default::default()
                    },
                    AgentInfo {
                        agent_id: "x2".into(),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }),
            transcript: Some(Transcript {
                transcript_segments: vec![TranscriptSegment {
                    confidence: 0.1,
                    dialogflow_segment_metadata: Some(DialogflowSegmentMetadata {
                        smart_reply_allowlist_covered: true,
                    }),
                    ..Default::default()
                }],
            }),
            ..Default::default()
        }
    }

    fn passes(filter: &str, conversation: &Conversation) -> bool {
        match Filter::parse(filter, &desc()) {
            Ok(parsed) => parsed.matches(&dynamic(conversation)),
            Err(status) => panic!("{filter:?} did not parse: {}", status.message()),
        }
    }

    /// Asserts each filter holds on `chat()` (`true`) or not (`false`).
    fn check(cases: &[(&str, bool)]) {
        let chat = chat();
        for (filter, expected) in cases {
            assert_eq!(passes(filter, &chat), *expected, "{filter}");
        }
    }

    fn error(filter: &str) -> String {
        match Filter::parse(filter, &desc()) {
            Ok(_) => panic!("{filter:?} parsed"),
            Err(status) => {
                assert_eq!(status.code(), tonic::Code::InvalidArgument, "{filter}");
                status.message().to_owned()
            }
        }
    }

    #[test]
    fn empty_filter_matches_everything() {
        for text in ["", "   ", "\t\n "] {
            let filter = Filter::parse(text, &desc()).expect("empty parses");
            assert!(filter.is_empty());
            assert!(filter.matches(&dynamic(&Conversation::default())));
            assert!(filter.matches(&dynamic(&chat())));
        }
        let filter = Filter::parse("agent_id = a1", &desc()).expect("parses");
        assert!(!filter.is_empty());
    }

    #[test]
    fn string_operators() {
        check(&[
            ("agent_id = \"a1\"", true),
            ("agent_id = 'a1'", true),
            ("agent_id = a1", true),
            ("agent_id=a1", true),
            ("agent_id = a2", false),
            ("agent_id = A1", false),
            ("agent_id != a2", true),
            ("agent_id != a1", false),
            ("agent_id < a2", true),
            ("agent_id < a1", false),
            ("agent_id <= a1", true),
            ("agent_id <= a0", false),
            ("agent_id > a0", true),
            ("agent_id > a1", false),
            ("agent_id >= a1", true),
            ("agent_id >= b", false),
            ("agent_id : a1", true),
            ("agent_id:a", false),
            ("agentId = a1", true),
            ("name = \"\"", true),
        ]);
        let quoted = Conversation {
            agent_id: r#"say "hi" \ 'bye'"#.into(),
            ..Default::default()
        };
        assert!(passes(r#"agent_id = "say \"hi\" \\ 'bye'""#, &quoted));
        assert!(passes(r#"agent_id = 'say "hi" \\ \'bye\''"#, &quoted));
    }

    #[test]
    fn integer_operators() {
        check(&[
            ("turn_count = 7", true),
            ("turn_count = 8", false),
            ("turn_count != 8", true),
            ("turn_count != 7", false),
            ("turn_count < 8", true),
            ("turn_count < 7", false),
            ("turn_count <= 7", true),
            ("turn_count <= 6", false),
            ("turn_count > -1", true),
            ("turn_count > 7", false),
            ("turn_count >= 7", true),
            ("turn_count >= 99999999999999", false),
            ("turn_count:7", true),
            ("turnCount:6", false),
            ("turn_count = +7", true),
        ]);
        // Unset compares as 0.
        assert!(passes("turn_count = 0", &Conversation::default()));
    }

    #[test]
    fn float_and_bool_through_repeated() {
        check(&[
            ("transcript.transcript_segments.confidence = 0.1", true),
            ("transcript.transcript_segments.confidence > 0.05", true),
            ("transcript.transcript_segments.confidence >= 1", false),
            ("transcript.transcript_segments.confidence < 1e-3", false),
            (
                "transcript.transcript_segments.dialogflow_segment_metadata.smart_reply_allowlist_covered = true",
                true,
            ),
            (
                "transcript.transcriptSegments.dialogflowSegmentMetadata.smartReplyAllowlistCovered = false",
                false,
            ),
        ]);
        let message = error("transcript.transcript_segments.dialogflow_segment_metadata.smart_reply_allowlist_covered = yes");
        assert!(
            message.contains("\"yes\" is not true or false"),
            "{message}"
        );
        assert!(message.ends_with("at position 92"), "{message}");
    }

    #[test]
    fn enum_operators() {
        check(&[
            ("medium = CHAT", true),
            ("medium = \"CHAT\"", true),
            ("medium = PHONE_CALL", false),
            ("medium != PHONE_CALL", true),
            ("medium != CHAT", false),
            ("medium = 2", true),
            ("medium > PHONE_CALL", true),
            ("medium < CHAT", false),
            ("medium <= CHAT", true),
            ("medium >= 3", false),
            ("medium:CHAT", true),
        ]);
        assert!(passes(
            "medium = MEDIUM_UNSPECIFIED",
            &Conversation::default()
        ));
    }

    #[test]
    fn timestamp_operators() {
        check(&[
            ("start_time = \"2024-01-02T00:00:00Z\"", true),
            ("start_time = 2024-01-02T00:00:00Z", true),
            ("start_time = 2024-01-02T01:00:00+01:00", true),
            ("start_time = 2024-01-02T00:00:01Z", false),
            ("start_time != 2024-01-02T00:00:01Z", true),
            ("start_time < 2024-01-02T00:00:00.000000001Z", true),
            ("start_time < 2024-01-02T00:00:00Z", false),
            ("start_time <= 2024-01-02T00:00:00Z", true),
            ("start_time > 2024-01-01T23:59:59Z", true),
            ("start_time > 2024-01-02T00:00:00Z", false),
            ("start_time >= 2024-01-03T00:00:00Z", false),
            ("create_time > 2024-01-03T12:00:00Z", true),
            ("create_time < 2024-01-03T12:00:00.6Z", true),
            ("startTime >= 2024-01-02T00:00:00Z", true),
            // Unset is the epoch.
            ("update_time = 1970-01-01T00:00:00Z", true),
            ("update_time > 1970-01-01T00:00:00Z", false),
        ]);
    }

    #[test]
    fn duration_operators() {
        check(&[
            ("duration = 20s", true),
            ("duration = \"20s\"", true),
            ("duration = 20.000s", true),
            ("duration = 21s", false),
            ("duration != 21s", true),
            ("duration > 1.5s", true),
            ("duration > 20s", false),
            ("duration >= 20s", true),
            ("duration < 20.5s", true),
            ("duration <= 19.999999999s", false),
            ("duration > -1s", true),
        ]);
        assert!(passes("duration = 0s", &Conversation::default()));
        let message = error("duration > 20");
        assert!(message.contains("\"20\" is not a duration"), "{message}");
        assert!(message.ends_with("at position 12"), "{message}");
    }

    #[test]
    fn labels() {
        check(&[
            ("labels.team = blue", true),
            ("labels.team = red", false),
            ("labels.team != red", true),
            ("labels.team != blue", false),
            ("labels.team < c", true),
            ("labels.team:*", true),
            ("labels.app.tier = web", true),
            // A missing key: `=` false, `!=` true, `:*` false.
            ("labels.nope = \"\"", false),
            ("labels.nope != x", true),
            ("labels.nope < z", false),
            ("labels.nope:*", false),
            ("labels:team", true),
            ("labels:\"app.tier\"", true),
            ("labels:nope", false),
            ("labels:*", true),
            ("NOT labels:nope", true),
        ]);
        assert!(!passes("labels:*", &Conversation::default()));
        // Map values that are messages: presence only.
        check(&[
            ("dialogflow_intents.i1:*", false),
            ("dialogflow_intents:i1", false),
        ]);
        let message = error("dialogflow_intents.i1 = x");
        assert!(
            message.contains("is a message (DialogflowIntent)"),
            "{message}"
        );
        let message = error("labels = blue");
        assert!(
            message.contains("map field \"labels\" takes only"),
            "{message}"
        );
        assert!(message.ends_with("at position 8"), "{message}");
    }

    #[test]
    fn presence() {
        check(&[
            ("latest_analysis:*", true),
            ("latestAnalysis:*", true),
            ("agent_id:*", true),
            ("turn_count:*", true),
            ("quality_metadata:*", true),
            ("quality_metadata.agent_info:*", true),
            ("transcript.transcript_segments.message_time:*", false),
            ("latest_summary:*", false),
            ("dialogflow_intents:*", false),
        ]);
        let empty = Conversation::default();
        for filter in [
            "latest_analysis:*",
            "agent_id:*",
            "turn_count:*",
            "medium:*",
            "quality_metadata:*",
            "quality_metadata.agent_info:*",
        ] {
            assert!(!passes(filter, &empty), "{filter}");
        }
    }

    #[test]
    fn any_element_of_repeated() {
        check(&[
            ("quality_metadata.agent_info.agent_id = \"x1\"", true),
            ("quality_metadata.agent_info.agent_id = x2", true),
            ("qualityMetadata.agentInfo.agentId = x2", true),
            ("quality_metadata.agent_info.agent_id = x3", false),
            // Any element differing from x1 (x2 does).
            ("quality_metadata.agent_info.agent_id != x1", true),
            ("NOT quality_metadata.agent_info.agent_id = x1", false),
            ("quality_metadata.agent_info.agent_id > x1", true),
            ("quality_metadata.agent_info.agent_id > x2", false),
            ("quality_metadata.agent_info.agent_id:*", true),
        ]);
        // No element: nothing to match, even the default.
        let empty = Conversation::default();
        assert!(!passes(
            "quality_metadata.agent_info.agent_id = \"\"",
            &empty
        ));
        assert!(!passes(
            "quality_metadata.agent_info.agent_id != x1",
            &empty
        ));
        // An unset singular message reads as its default.
        assert!(passes("quality_metadata.menu_path = \"\"", &empty));
    }

    #[test]
    fn logic_and_precedence() {
        check(&[
            ("agent_id = a1 AND medium = CHAT", true),
            ("agent_id = a1 AND medium = PHONE_CALL", false),
            ("agent_id = a1 medium = CHAT", true),
            ("agent_id = a1 medium = PHONE_CALL", false),
            ("agent_id = zz OR medium = CHAT", true),
            ("agent_id = zz OR medium = PHONE_CALL", false),
            ("NOT agent_id = zz", true),
            ("NOT agent_id = a1", false),
            ("-agent_id = zz", true),
            ("-agent_id = a1", false),
            ("NOT NOT agent_id = a1", true),
            ("NOT(agent_id = a1)", false),
            ("-(agent_id = zz OR turn_count = 0)", true),
            ("(agent_id = zz OR turn_count = 7) AND medium = CHAT", true),
            ("((agent_id = a1))", true),
            // OR binds tighter than AND: zz AND (7 OR CHAT), which is false; the usual precedence
            // would read (zz AND 7) OR CHAT, which is true.
            ("agent_id = zz AND turn_count = 7 OR medium = CHAT", false),
            ("medium = CHAT OR agent_id = zz AND turn_count = 99", false),
            // Juxtaposition too: (CHAT OR zz) AND 99.
            ("medium = CHAT OR agent_id = zz turn_count = 99", false),
            ("(agent_id = zz AND turn_count = 7) OR medium = CHAT", true),
        ]);
        // Keywords are case-sensitive and whole words: `or` and `ORx` are field names.
        let message = error("agent_id = a1 or medium = CHAT");
        assert!(
            message.contains("unknown field \"or\" at position 15"),
            "{message}"
        );
        let message = error("agent_id = a1 ORx = 1");
        assert!(
            message.contains("unknown field \"ORx\" at position 15"),
            "{message}"
        );
    }

    #[test]
    fn bad_inputs_say_what_and_where() {
        let cases = [
            ("agentid = \"a\"", "unknown field \"agentid\" at position 1"),
            (
                "turn_count = 7 AND quality_metadata.agentinfo.agent_id = x",
                "unknown field \"quality_metadata.agentinfo\" at position 20",
            ),
            ("agent_id.x = 1", "field \"agent_id\" has no subfields (in \"agent_id.x\") at position 1"),
            ("agent_id. = 1", "empty segment in field path \"agent_id.\" at position 1"),
            (
                "medium = VIDEO",
                "\"VIDEO\" is not a value of enum Medium (field \"medium\") at position 10",
            ),
            (
                "start_time > \"yesterday\"",
                "\"yesterday\" is not an RFC 3339 timestamp (field \"start_time\") at position 14",
            ),
            (
                "start_time > 2024-13-01T00:00:00Z",
                "\"2024-13-01T00:00:00Z\" is not an RFC 3339 timestamp (field \"start_time\") at position 14",
            ),
            ("turn_count = seven", "\"seven\" is not an integer (field \"turn_count\") at position 14"),
            ("turn_count = 1.5", "\"1.5\" is not an integer (field \"turn_count\") at position 14"),
            (
                "latest_analysis = x",
                "field \"latest_analysis\" is a message (Analysis): only \":*\" (presence) applies to it at position 19",
            ),
            ("agent_id = *", "\"*\" only follows \":\" (presence), not \"=\" at position 12"),
            ("(agent_id = a1", "unbalanced parentheses: \"(\" at position 1 is not closed"),
            ("(agent_id = a1 AND (turn_count = 7)", "\"(\" at position 1 is not closed"),
            ("agent_id = a1)", "unbalanced parentheses: \")\" with no \"(\" at position 14"),
            ("agent_id = a1 $", "expected a field name but found \"$\" at position 15"),
            ("agent_id = a1 \"x\"", "expected a field name but found \"\\\"\" at position 15"),
            ("agent_id =", "expected a value after \"=\" at position 10"),
            ("agent_id = ", "expected a value after \"=\" at position 10"),
            ("agent_id != )", "expected a value after \"!=\" at position 10"),
            ("agent_id = AND medium = CHAT", "expected a value after \"=\" at position 10"),
            ("agent_id \"a1\"", "expected an operator (=, !=, <, <=, >, >= or :) after \"agent_id\" but found \"\\\"\" at position 10"),
            ("agent_id", "after \"agent_id\" but found the end of the filter at position 9"),
            ("agent_id == a1", "expected a value after \"=\" at position 10"),
            ("agent_id = \"a1", "unterminated string starting at position 12"),
            ("agent_id = 'a1\\'", "unterminated string starting at position 12"),
            ("agent_id = a1 AND", "expected a field name but found the end of the filter at position 18"),
            ("agent_id = a1 OR OR medium = CHAT", "expected a field name but found \"OR\" at position 18"),
            ("AND agent_id = a1", "expected a field name but found \"AND\" at position 1"),
            ("()", "expected a field name but found \")\" at position 2"),
            ("NOT", "expected a field name but found the end of the filter at position 4"),
            // Positions count characters, not bytes.
            ("agent_id = \"é\" AND ñ = 1", "unknown field \"ñ\" at position 20"),
        ];
        for (filter, expected) in cases {
            let message = error(filter);
            assert!(message.starts_with("invalid filter: "), "{message}");
            assert!(
                message.contains(expected),
                "{filter:?}: {message:?} lacks {expected:?}"
            );
        }
    }

    #[test]
    fn errors_quote_at_most_64_characters() {
        let long = "z".repeat(1000);
        for filter in [
            format!("{long} = 1"),
            format!("medium = {long}"),
            format!("agent_id = a1 {long}"),
        ] {
            let message = error(&filter);
            assert!(
                message.contains(&format!("\"{}…\"", "z".repeat(64))),
                "{message}"
            );
            assert!(!message.contains(&"z".repeat(65)), "{message}");
        }
        // Control characters are escaped, not echoed.
        let message = error("agent_id = a1 \u{1b}[31m");
        assert!(message.contains("\\u{1b}"), "{message}");
    }

    #[test]
    fn length_bound() {
        let value = |len: usize| "a".repeat(len - "agent_id = \"\"".len());
        let at_limit = format!("agent_id = \"{}\"", value(MAX_FILTER_LEN));
        assert_eq!(at_limit.len(), MAX_FILTER_LEN);
        assert!(Filter::parse(&at_limit, &desc()).is_ok());
        let over = format!("agent_id = \"{}\"", value(MAX_FILTER_LEN + 1));
        let message = error(&over);
        assert!(
            message.contains("longer than 8192 bytes (8193 bytes)"),
            "{message}"
        );
        // Whitespace counts too: it is not trimmed before the check.
        assert!(error(&" ".repeat(MAX_FILTER_LEN + 1)).contains("longer than"));
    }

    fn nested(depth: usize) -> String {
        format!("{}agent_id = a1{}", "(".repeat(depth), ")".repeat(depth))
    }

    #[test]
    fn depth_bound() {
        assert!(passes(&nested(MAX_DEPTH), &chat()));
        let message = error(&nested(MAX_DEPTH + 1));
        assert!(
            message.contains("nested deeper than 32 (parentheses and NOT) at position 33"),
            "{message}"
        );

        let nots = |n: usize| format!("{}agent_id = a1", "NOT ".repeat(n));
        assert!(passes(&nots(MAX_DEPTH), &chat()));
        assert!(error(&nots(MAX_DEPTH + 1))
            .contains("nested deeper than 32 (parentheses and NOT) at position 129"));
        let minuses = |n: usize| format!("{}agent_id = a1", "-".repeat(n));
        assert!(passes(&minuses(MAX_DEPTH), &chat()));
        assert!(error(&minuses(MAX_DEPTH + 1)).contains("at position 33"));
        // Mixed: parentheses and NOT count together.
        let mixed = format!("{}agent_id = a1{}", "NOT (".repeat(17), ")".repeat(17));
        assert!(error(&mixed).contains("nested deeper than 32"));

        // As deep as the length allows: refused at level 33, no stack overflow.
        let deep = "(".repeat(MAX_FILTER_LEN);
        assert!(error(&deep).contains("nested deeper than 32"));
        let deep_not = "-".repeat(MAX_FILTER_LEN);
        assert!(error(&deep_not).contains("nested deeper than 32"));
        // 100,000 parentheses: refused (by length) before any parsing.
        let huge = nested(100_000);
        assert!(error(&huge).contains("longer than 8192 bytes"));
    }

    #[test]
    fn terms_bound() {
        let terms = |n: usize| vec!["turn_count = 7"; n].join(" AND ");
        assert!(passes(&terms(MAX_TERMS), &chat()));
        let message = error(&terms(MAX_TERMS + 1));
        let position = MAX_TERMS * "turn_count = 7 AND ".len() + 1;
        assert!(
            message.contains(&format!("more than 256 comparisons at position {position}")),
            "{message}"
        );
        // Juxtaposed and OR-ed comparisons count too.
        assert!(error(&vec!["turn_count=7"; MAX_TERMS + 1].join(" ")).contains("more than 256"));
        assert!(error(&vec!["turn_count=7"; MAX_TERMS + 1].join(" OR ")).contains("more than 256"));
    }
}
