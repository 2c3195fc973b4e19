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
pub const MAX_FILTER_LEN: usize = 8 * 1024;
/// The deepest nesting of parentheses / NOT accepted.
pub const MAX_DEPTH: usize = 32;
/// The most comparisons one filter may hold.
pub const MAX_TERMS: usize = 256;
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
        let expr = parse::expression(text, desc).map_err(invalid)?;
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

#[cfg(test)]
mod bounds_tests;
mod parse;
#[cfg(test)]
mod tests;
mod typing;
