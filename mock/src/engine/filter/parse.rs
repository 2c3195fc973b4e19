//! Reading a filter: the lexer and the recursive-descent parser (bounded in depth and terms),
//! and resolving paths and values against the message type.

use super::typing::*;
use super::*;

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
/// The expression of a non-blank filter `text` over `root`, or what is wrong and where.
pub(super) fn expression(text: &str, root: &MessageDescriptor) -> Result<Expr, String> {
    Parser {
        chars: text.chars().collect(),
        at: 0,
        root,
        depth: 0,
        terms: 0,
    }
    .filter()
}

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
