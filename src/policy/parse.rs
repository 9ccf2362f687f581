//! The policy syntax people write by hand (spec §5.5).
//!
//! ```text
//! policy  := clause ("and" clause)*
//! clause  := "reveal" attr
//!          | INT "<=" attr "<=" INT
//!          | sum ("<=" | ">=" | "==") SIGNED_INT
//! sum     := ["-"] term (("+" | "-") term)*
//! term    := [INT "*"] attr
//! attr    := IDENT "." IDENT
//! ```

use std::fmt;

use super::{AttrRef, Comparison, Predicate};
use crate::wire::caps;

/// Where a policy fails to parse, and what was expected there.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("policy syntax error at column {column}: expected {expected}, found {found}")]
pub struct ParseError {
    /// 1-based column (in characters) of the offending token.
    pub column: usize,
    /// What the parser expected there.
    pub expected: &'static str,
    /// What it found.
    pub found: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Int(u128),
    Dot,
    Star,
    Plus,
    Minus,
    Ge,
    Le,
    EqEq,
    End,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(s) => write!(f, "`{s}`"),
            Tok::Int(n) => write!(f, "`{n}`"),
            Tok::Dot => f.write_str("`.`"),
            Tok::Star => f.write_str("`*`"),
            Tok::Plus => f.write_str("`+`"),
            Tok::Minus => f.write_str("`-`"),
            Tok::Ge => f.write_str("`>=`"),
            Tok::Le => f.write_str("`<=`"),
            Tok::EqEq => f.write_str("`==`"),
            Tok::End => f.write_str("the end of the policy"),
        }
    }
}

/// Longest policy text accepted.
const MAX_POLICY_LEN: usize = 8192;

fn lex(src: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    if src.len() > MAX_POLICY_LEN {
        return Err(ParseError {
            column: 1,
            expected: "a policy of at most 8192 bytes",
            found: format!("{} bytes", src.len()),
        });
    }
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let col = i + 1;
        let next = chars.get(i + 1).copied();
        let (tok, len) = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '.' => (Tok::Dot, 1),
            '*' => (Tok::Star, 1),
            '+' => (Tok::Plus, 1),
            '-' => (Tok::Minus, 1),
            '>' if next == Some('=') => (Tok::Ge, 2),
            '<' if next == Some('=') => (Tok::Le, 2),
            '=' if next == Some('=') => (Tok::EqEq, 2),
            '0'..='9' => {
                let digits: String = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit() || **c == '_')
                    .collect();
                let clean: String = digits.chars().filter(|c| *c != '_').collect();
                let n = clean.parse::<u128>().map_err(|_| ParseError {
                    column: col,
                    expected: "a number of at most 38 digits",
                    found: format!("`{digits}`"),
                })?;
                (Tok::Int(n), digits.chars().count())
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let word: String = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .collect();
                let n = word.chars().count();
                (Tok::Ident(word), n)
            }
            other => {
                return Err(ParseError {
                    column: col,
                    expected: "an attribute, a number, an operator or `and`",
                    found: format!("`{}`", other.escape_debug()),
                })
            }
        };
        out.push((col, tok));
        i += len;
    }
    out.push((chars.len() + 1, Tok::End));
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        self.toks.get(self.pos).map_or(&Tok::End, |(_, t)| t)
    }
    fn column(&self) -> usize {
        self.toks.get(self.pos).map_or(1, |(c, _)| *c)
    }
    fn bump(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
    }
    fn fail<T>(&self, expected: &'static str) -> Result<T, ParseError> {
        Err(ParseError {
            column: self.column(),
            expected,
            found: self.peek().to_string(),
        })
    }
    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == t {
            self.bump();
            true
        } else {
            false
        }
    }

    fn ident(&mut self, expected: &'static str) -> Result<String, ParseError> {
        match self.peek().clone() {
            Tok::Ident(s) => {
                self.bump();
                Ok(s)
            }
            _ => self.fail(expected),
        }
    }

    fn attr(&mut self) -> Result<AttrRef, ParseError> {
        let col = self.column();
        let schema = self.ident("an attribute `schema.name`")?;
        if !self.eat(&Tok::Dot) {
            return self.fail("`.` between schema and attribute name");
        }
        let name = self.ident("an attribute name after `.`")?;
        AttrRef::new(&schema, &name).map_err(|_| ParseError {
            column: col,
            expected: "lowercase identifiers of at most 64 characters",
            found: format!("`{schema}.{name}`"),
        })
    }

    fn int(&mut self, expected: &'static str) -> Result<u128, ParseError> {
        match self.peek() {
            Tok::Int(n) => {
                let n = *n;
                self.bump();
                Ok(n)
            }
            _ => self.fail(expected),
        }
    }

    fn u64(&mut self, expected: &'static str) -> Result<u64, ParseError> {
        let col = self.column();
        let n = self.int(expected)?;
        u64::try_from(n).map_err(|_| ParseError {
            column: col,
            expected: "a number below 2^64",
            found: n.to_string(),
        })
    }

    fn signed(&mut self) -> Result<i128, ParseError> {
        let neg = self.eat(&Tok::Minus);
        let n = self.int("a number")?;
        let n = i128::try_from(n).unwrap_or(i128::MAX);
        Ok(if neg { -n } else { n })
    }

    /// A term `[INT *] attr`, signed by `neg`.
    fn term(&mut self, neg: bool) -> Result<(i128, AttrRef), ParseError> {
        let w = if let Tok::Int(_) = self.peek() {
            let w = self.int("a weight")?;
            if !self.eat(&Tok::Star) {
                return self.fail("`*` after a weight");
            }
            i128::try_from(w).unwrap_or(i128::MAX)
        } else {
            1
        };
        let a = self.attr()?;
        Ok((if neg { -w } else { w }, a))
    }

    fn clause(&mut self) -> Result<Predicate, ParseError> {
        // `and` starts no clause (`and.x` would be an attribute of schema `and`).
        if self.peek() == &Tok::Ident("and".into())
            && self.toks.get(self.pos + 1).map(|(_, t)| t) != Some(&Tok::Dot)
        {
            return self.fail("a clause: an attribute, a number or `reveal`");
        }
        if self.peek() == &Tok::Ident("reveal".into()) {
            // `reveal` is a keyword unless it starts an attribute `reveal.x`.
            if self.toks.get(self.pos + 1).map(|(_, t)| t) != Some(&Tok::Dot) {
                self.bump();
                return Ok(Predicate::reveal(self.attr()?));
            }
        }
        if let Tok::Int(_) = self.peek() {
            if self.toks.get(self.pos + 1).map(|(_, t)| t) == Some(&Tok::Le) {
                let min = self.u64("a lower bound")?;
                self.bump();
                let attr = self.attr()?;
                if !self.eat(&Tok::Le) {
                    return self.fail("`<=` and an upper bound");
                }
                let max = self.u64("an upper bound")?;
                return Ok(Predicate::between(attr, min, max));
            }
        }
        let first_col = self.column();
        let neg = self.eat(&Tok::Minus);
        let mut terms = vec![self.term(neg)?];
        loop {
            match self.peek() {
                Tok::Plus => {
                    self.bump();
                    terms.push(self.term(false)?);
                }
                Tok::Minus => {
                    self.bump();
                    terms.push(self.term(true)?);
                }
                _ => break,
            }
            if terms.len() > caps::TERMS {
                return self.fail("at most 16 terms");
            }
        }
        let op = self.bump();
        let op_col = self
            .toks
            .get(self.pos.saturating_sub(1))
            .map_or(1, |(c, _)| *c);
        let cmp = match op {
            Tok::Ge => Some(Comparison::AtLeast),
            Tok::Le => Some(Comparison::AtMost),
            Tok::EqEq => None,
            _ => {
                self.pos = self.pos.saturating_sub(1);
                return self.fail("`>=`, `<=` or `==`");
            }
        };
        let t_col = self.column();
        let t = self.signed()?;
        let simple = matches!(terms.as_slice(), [(1, _)]);
        let out_of_range = |column, what| ParseError {
            column,
            expected: what,
            found: t.to_string(),
        };
        match (cmp, simple) {
            (Some(Comparison::AtLeast), true) if t >= 0 => {
                let t =
                    u64::try_from(t).map_err(|_| out_of_range(t_col, "a threshold below 2^64"))?;
                Ok(Predicate::at_least(terms.remove(0).1, t))
            }
            (Some(Comparison::AtMost), true) if t >= 0 => {
                let t =
                    u64::try_from(t).map_err(|_| out_of_range(t_col, "a threshold below 2^64"))?;
                Ok(Predicate::at_most(terms.remove(0).1, t))
            }
            (None, true) => {
                let t = u64::try_from(t)
                    .map_err(|_| out_of_range(t_col, "a value from 0 to 2^64 - 1"))?;
                Ok(Predicate::equals(terms.remove(0).1, t))
            }
            (None, false) => Err(ParseError {
                column: op_col,
                expected: "`>=` or `<=` (`==` takes a single attribute)",
                found: "`==`".into(),
            }),
            (Some(cmp), _) => {
                let threshold = i64::try_from(t)
                    .map_err(|_| out_of_range(t_col, "a threshold that fits in 64 signed bits"))?;
                let mut ts = Vec::with_capacity(terms.len());
                for (w, a) in terms {
                    let w = i64::try_from(w).map_err(|_| ParseError {
                        column: first_col,
                        expected: "weights that fit in 64 signed bits",
                        found: w.to_string(),
                    })?;
                    ts.push((w, a));
                }
                Ok(Predicate::linear(ts, cmp, threshold))
            }
        }
    }
}

/// Parses a policy such as
/// `bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0`
/// into predicates (spec §5.5).
///
/// # Errors
/// A [`ParseError`] naming the column and what was expected there.
///
/// # Example
/// ```
/// let ps = credence::parse_policy(
///     "bank.liquidity_eur >= 5000 and 3*bank.on_time - 2*bank.late >= 40 and reveal id.passport",
/// ).unwrap();
/// assert_eq!(ps.len(), 3);
/// assert_eq!(ps[1].to_string(), "3*bank.on_time - 2*bank.late >= 40");
/// ```
pub fn parse_policy(src: &str) -> Result<Vec<Predicate>, ParseError> {
    let mut p = Parser {
        toks: lex(src)?,
        pos: 0,
    };
    let mut out = vec![p.clause()?];
    loop {
        match p.peek() {
            Tok::End => return Ok(out),
            Tok::Ident(w) if w == "and" => {
                p.bump();
                if out.len() >= caps::PREDICATES {
                    return p.fail("at most 32 clauses");
                }
                out.push(p.clause()?);
            }
            _ => return p.fail("`and` or the end of the policy"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> AttrRef {
        AttrRef::parse(s).unwrap()
    }

    #[test]
    fn parses_every_form() {
        let ps = parse_policy(
            "bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0 and \
             3*bank.on_time_payments - 2*bank.late_payments >= 40 and reveal identity.passport_digest \
             and 10 <= bank.x <= 20 and bank.y <= 7 and -bank.z >= -3 and bank.w >= -1 and 1_000*bank.v <= 2",
        )
        .unwrap();
        assert_eq!(
            ps,
            vec![
                Predicate::at_least(a("bank.liquidity_eur"), 5000),
                Predicate::equals(a("court.outstanding_defaults"), 0),
                Predicate::linear(
                    vec![
                        (3, a("bank.on_time_payments")),
                        (-2, a("bank.late_payments"))
                    ],
                    Comparison::AtLeast,
                    40
                ),
                Predicate::reveal(a("identity.passport_digest")),
                Predicate::between(a("bank.x"), 10, 20),
                Predicate::at_most(a("bank.y"), 7),
                Predicate::linear(vec![(-1, a("bank.z"))], Comparison::AtLeast, -3),
                Predicate::linear(vec![(1, a("bank.w"))], Comparison::AtLeast, -1),
                Predicate::linear(vec![(1000, a("bank.v"))], Comparison::AtMost, 2),
            ]
        );
        // Display gives back text that parses to the same predicates.
        for p in &ps {
            assert_eq!(
                parse_policy(&p.to_string()).unwrap(),
                vec![p.clone()],
                "{p}"
            );
        }
    }

    #[test]
    fn errors_name_the_column_and_what_was_expected() {
        let e = parse_policy("bank.liquidity_eur >= ").unwrap_err();
        assert_eq!((e.column, e.expected), (23, "a number"));
        assert_eq!(
            e.to_string(),
            "policy syntax error at column 23: expected a number, found the end of the policy"
        );
        let e = parse_policy("bank.liquidity_eur > 5").unwrap_err();
        assert_eq!(e.column, 20);
        let e = parse_policy("bank >= 5").unwrap_err();
        assert_eq!(
            (e.column, e.expected),
            (6, "`.` between schema and attribute name")
        );
        let e = parse_policy("bank.a >= 5 or bank.b >= 1").unwrap_err();
        assert_eq!(
            (e.column, e.expected),
            (13, "`and` or the end of the policy")
        );
        let e = parse_policy("bank.a + bank.b == 5").unwrap_err();
        assert_eq!(e.column, 17);
        let e = parse_policy("bank.a >= 99999999999999999999").unwrap_err();
        assert_eq!(e.column, 11);
        let e = parse_policy("bank.a == -1").unwrap_err();
        assert_eq!(e.column, 11);
        let e = parse_policy("Bank.a >= 1").unwrap_err();
        assert_eq!(e.column, 1);
        let e = parse_policy("bank.a >= 1 and").unwrap_err();
        assert_eq!(e.column, 16);
        let e = parse_policy("bank.a >= 1 and and bank.b >= 2").unwrap_err();
        assert_eq!(
            (e.column, e.expected),
            (17, "a clause: an attribute, a number or `reveal`")
        );
        let e = parse_policy("").unwrap_err();
        assert_eq!(e.column, 1);
        let e = parse_policy("bank.a >= 1 ; drop").unwrap_err();
        assert_eq!(e.column, 13);
        assert!(parse_policy(&"bank.a >= 1 and ".repeat(40)).is_err());
        assert!(parse_policy(&format!("{} >= 1", vec!["bank.a"; 17].join(" + "))).is_err());
    }
}
