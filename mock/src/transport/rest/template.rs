//! Path templates of `google.api.http` rules (gRPC transcoding), parsed once
//! from trusted service configuration and matched against untrusted request
//! paths.
//!
//! Grammar (from `google/api/http.proto`):
//!
//! ```text
//! Template  = "/" Segments [ Verb ] ;
//! Segments  = Segment { "/" Segment } ;
//! Segment   = "*" | "**" | LITERAL | Variable ;
//! Variable  = "{" FieldPath [ "=" Segments ] "}" ;
//! FieldPath = IDENT { "." IDENT } ;
//! Verb      = ":" LITERAL ;
//! ```
//!
//! Decoding follows http.proto's server-side rule: a variable of exactly one
//! segment (`{var}`, `{var=*}`) is fully percent-decoded, so `%2F` becomes
//! `/`; a variable spanning several segments (`{var=foo/*}`, `{var=**}`) is
//! decoded too, "except `%2F` and `%2f` are left unchanged", so a decoded `/`
//! always means a real segment boundary.

use std::collections::HashSet;

/// Longest REST request path, in bytes, that a binding's template matches; longer paths match
/// none (404).
pub const MAX_PATH_LEN: usize = 8 * 1024;

/// Most `/`-separated segments (the verb does not add one) of a REST request path that a
/// binding's template matches; paths with more match none, and a template with more is refused
/// when the bindings are read.
pub const MAX_SEGMENTS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `*`: exactly one non-empty segment.
    Single,
    /// `**`: one or more non-empty segments; only ever the last segment.
    Multi,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Variable {
    field_path: String,
    /// Half-open range of template segments the variable covers.
    start: usize,
    end: usize,
    /// Decides between full decoding and keeping `%2F` (see module docs).
    single_segment: bool,
}

/// A parsed path template such as
/// `/v1/{name=projects/*/locations/*/operations/*}:cancel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    segments: Vec<Segment>,
    variables: Vec<Variable>,
    verb: Option<String>,
}

impl Template {
    /// Parses a template in the `google.api.http` syntax.
    ///
    /// Besides the grammar, rejects what could never match or would be
    /// ambiguous: empty segments, `**` anywhere but last, a field path bound
    /// twice, and more than [`MAX_SEGMENTS`] segments. The error names the
    /// template and the problem.
    pub fn parse(template: &str) -> Result<Template, String> {
        parse_template(template).map_err(|e| format!("path template {template:?}: {e}"))
    }

    /// Matches a request path (already split from its query string, still
    /// percent-encoded).
    ///
    /// Returns the variable bindings in template order as (field path such
    /// as `name` or `encryption_spec.name`, percent-decoded value), or `None`
    /// if the path does not match, exceeds [`MAX_PATH_LEN`] or
    /// [`MAX_SEGMENTS`], has an empty segment, holds an invalid
    /// percent-escape, or binds a value that does not decode to UTF-8.
    pub fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        if path.len() > MAX_PATH_LEN {
            return None;
        }
        let mut rest = path.strip_prefix('/')?;
        // The verb is peeled off the raw path only when the template has one:
        // otherwise a `:` in the last segment is ordinary value text.
        if let Some(verb) = &self.verb {
            rest = rest.strip_suffix(verb.as_str())?.strip_suffix(':')?;
        }
        // `take` caps the allocation a hostile path can cause.
        let parts: Vec<&str> = rest.split('/').take(MAX_SEGMENTS + 1).collect();
        if parts.len() > MAX_SEGMENTS || parts.iter().any(|p| p.is_empty() || !valid_escapes(p)) {
            return None;
        }

        let ends_with_multi = self.segments.last() == Some(&Segment::Multi);
        let fixed = self.segments.len() - usize::from(ends_with_multi);
        let count_ok = if ends_with_multi {
            parts.len() > fixed
        } else {
            parts.len() == fixed
        };
        if !count_ok {
            return None;
        }
        // Wildcards accept any non-empty segment, so only literals can fail.
        for (segment, part) in self.segments.iter().zip(&parts) {
            if let Segment::Literal(literal) = segment {
                if literal != part {
                    return None;
                }
            }
        }

        let mut bindings = Vec::with_capacity(self.variables.len());
        for var in &self.variables {
            // Only a variable reaching the template's end can hold `**`, and
            // then it owns every remaining path segment.
            let end = if var.end == self.segments.len() {
                parts.len()
            } else {
                var.end
            };
            let raw = parts.get(var.start..end)?;
            let value = if var.single_segment {
                percent_decode(raw.first()?, false)?
            } else {
                let mut joined = String::new();
                for (i, part) in raw.iter().enumerate() {
                    if i > 0 {
                        joined.push('/');
                    }
                    joined.push_str(&percent_decode(part, true)?);
                }
                joined
            };
            bindings.push((var.field_path.clone(), value));
        }
        Some(bindings)
    }
}

fn parse_template(template: &str) -> Result<Template, String> {
    let body = template.strip_prefix('/').ok_or("must start with '/'")?;
    let (pieces, verb) = split_top_level(body)?;

    let mut segments = Vec::new();
    let mut variables: Vec<Variable> = Vec::new();
    let mut seen = HashSet::new();
    for piece in pieces {
        let Some(inner) = piece.strip_prefix('{') else {
            segments.push(parse_segment(piece)?);
            continue;
        };
        let inner = inner
            .strip_suffix('}')
            .ok_or_else(|| format!("variable in {piece:?} must be a whole segment"))?;
        let (field_path, sub) = match inner.split_once('=') {
            Some((field_path, sub)) => (field_path, Some(sub)),
            None => (inner, None),
        };
        check_field_path(field_path)?;
        if !seen.insert(field_path) {
            return Err(format!("field path {field_path:?} is bound twice"));
        }
        let start = segments.len();
        match sub {
            None => segments.push(Segment::Single),
            Some(sub) => {
                for part in sub.split('/') {
                    segments.push(parse_segment(part)?);
                }
            }
        }
        let single_segment =
            segments.len() - start == 1 && segments.last() != Some(&Segment::Multi);
        variables.push(Variable {
            field_path: field_path.to_owned(),
            start,
            end: segments.len(),
            single_segment,
        });
    }

    if let Some(pos) = segments.iter().position(|s| *s == Segment::Multi) {
        if pos + 1 != segments.len() {
            return Err("'**' must be the last segment".to_owned());
        }
    }
    if segments.len() > MAX_SEGMENTS {
        return Err(format!("more than {MAX_SEGMENTS} segments"));
    }
    if let Some(verb) = verb {
        check_literal(verb).map_err(|e| format!("verb: {e}"))?;
    }
    Ok(Template {
        segments,
        variables,
        verb: verb.map(str::to_owned),
    })
}

/// Splits the body after the leading `/` into top-level segments and the
/// verb. A variable's own `/`s must not split, hence the brace tracking.
fn split_top_level(body: &str) -> Result<(Vec<&str>, Option<&str>), String> {
    let mut pieces = Vec::new();
    let mut in_variable = false;
    let mut start = 0;
    for (i, c) in body.char_indices() {
        match c {
            '{' if in_variable => return Err("variables cannot be nested".to_owned()),
            '{' => in_variable = true,
            '}' if !in_variable => return Err("unmatched '}'".to_owned()),
            '}' => in_variable = false,
            '/' if !in_variable => {
                pieces.push(body.get(start..i).ok_or("bad segment boundary")?);
                start = i + 1;
            }
            ':' if !in_variable => {
                pieces.push(body.get(start..i).ok_or("bad verb boundary")?);
                return Ok((pieces, Some(body.get(i + 1..).ok_or("bad verb boundary")?)));
            }
            _ => {}
        }
    }
    if in_variable {
        return Err("unclosed '{'".to_owned());
    }
    pieces.push(body.get(start..).ok_or("bad segment boundary")?);
    Ok((pieces, None))
}

fn parse_segment(text: &str) -> Result<Segment, String> {
    match text {
        "*" => Ok(Segment::Single),
        "**" => Ok(Segment::Multi),
        _ => {
            check_literal(text)?;
            Ok(Segment::Literal(text.to_owned()))
        }
    }
}

/// Literals are compared with the raw path, so they are limited to
/// characters a client sends unencoded; `:` is excluded because it would
/// make the verb ambiguous, `=`, `*`, `{`, `}` because they are syntax.
fn check_literal(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("empty segment".to_owned());
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~!$&'()+,;@".contains(c);
    match text.chars().find(|c| !allowed(*c)) {
        Some(c) => Err(format!("character {c:?} not allowed in literal {text:?}")),
        None => Ok(()),
    }
}

fn check_field_path(field_path: &str) -> Result<(), String> {
    let ident_ok = |ident: &str| {
        let mut chars = ident.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if field_path.split('.').all(ident_ok) {
        Ok(())
    } else {
        Err(format!("invalid field path {field_path:?}"))
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Checked on every segment, bound or not, so that a malformed escape is
/// refused even where no value is extracted.
fn valid_escapes(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || matches!(
                (bytes.get(i + 1), bytes.get(i + 2)),
                (Some(&h), Some(&l)) if hex_value(h).is_some() && hex_value(l).is_some()
            )
    })
}

/// `keep_encoded_slash` implements http.proto's exception for multi-segment
/// variables: `%2F`/`%2f` stay as sent, so the value's `/`s are exactly the
/// path's segment boundaries.
fn percent_decode(raw: &str, keep_encoded_slash: bool) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'%' {
            out.push(b);
            i += 1;
            continue;
        }
        let escape = bytes.get(i..i + 3)?;
        let [_, hi, lo] = escape else {
            return None;
        };
        let decoded = (hex_value(*hi)? << 4) | hex_value(*lo)?;
        if keep_encoded_slash && decoded == b'/' {
            out.extend_from_slice(escape);
        } else {
            out.push(decoded);
        }
        i += 3;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
