//! Predicates over committed attributes, their text syntax, and dates
//! (spec §5.2, §5.5).

use std::fmt;

use serde::{Deserialize, Serialize};

mod parse;

pub use parse::{parse_policy, ParseError};

use crate::errors::{DateError, DecodeError};
use crate::schema::{check_ident, DATE_MAX};
use crate::wire::{caps, Decode, Encode, Reader, Writer};

/// The Julian day number of 1970-01-01.
const EPOCH_JULIAN_DAY: i32 = 2_440_588;

/// A calendar date, as days since 1970-01-01, in `0..=DATE_MAX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(u16);

impl Date {
    /// The date `days` days after 1970-01-01.
    ///
    /// # Errors
    /// [`DecodeError::Date`] when `days` is above [`DATE_MAX`].
    pub fn from_days(days: u64) -> Result<Self, DecodeError> {
        u16::try_from(days)
            .map(Date)
            .map_err(|_| DecodeError::Date(DateError::AfterMax(days)))
    }
    /// Days since 1970-01-01.
    pub fn days(self) -> u64 {
        u64::from(self.0)
    }
    /// The date of a calendar day.
    ///
    /// # Errors
    /// [`DecodeError::Date`] for a day that does not exist or is outside
    /// 1970-01-01 to 2149-06-06.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Result<Self, DecodeError> {
        let bad = || DecodeError::Date(DateError::NoSuchDay { year, month, day });
        let month = time::Month::try_from(month).map_err(|_| bad())?;
        let d = time::Date::from_calendar_date(year, month, day).map_err(|_| bad())?;
        let days = i64::from(d.to_julian_day()) - i64::from(EPOCH_JULIAN_DAY);
        u64::try_from(days)
            .map_err(|_| bad())
            .and_then(|d| Date::from_days(d).map_err(|_| bad()))
    }
    /// Parses `YYYY-MM-DD`.
    ///
    /// # Errors
    /// [`DecodeError::Date`] when the text is not such a date in range.
    pub fn parse(s: &str) -> Result<Self, DecodeError> {
        if s.len() != 10 || !s.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
            return Err(DecodeError::Date(DateError::Format(s.to_owned())));
        }
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let d = time::Date::parse(s, &fmt)
            .map_err(|_| DecodeError::Date(DateError::Format(s.to_owned())))?;
        Date::from_ymd(d.year(), u8::from(d.month()), d.day())
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match time::Date::from_julian_day(EPOCH_JULIAN_DAY + i32::from(self.0)) {
            Ok(d) => write!(
                f,
                "{:04}-{:02}-{:02}",
                d.year(),
                u8::from(d.month()),
                d.day()
            ),
            Err(_) => write!(f, "day {}", self.0),
        }
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Date::parse(&s).map_err(D::Error::custom)
    }
}

const _: () = assert!(DATE_MAX == u16::MAX as u64);

/// An attribute of a schema, written `schema.attribute`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttrRef {
    schema: String,
    attribute: String,
}

impl AttrRef {
    /// `schema.attribute`.
    ///
    /// # Errors
    /// [`DecodeError::Ident`] when either part is not an identifier.
    pub fn new(schema: &str, attribute: &str) -> Result<Self, DecodeError> {
        check_ident(schema, "schema id").map_err(DecodeError::Ident)?;
        check_ident(attribute, "attribute name").map_err(DecodeError::Ident)?;
        Ok(AttrRef {
            schema: schema.to_owned(),
            attribute: attribute.to_owned(),
        })
    }
    /// The schema id.
    pub fn schema(&self) -> &str {
        &self.schema
    }
    /// The attribute name.
    pub fn attribute(&self) -> &str {
        &self.attribute
    }
    /// Parses `schema.attribute`.
    ///
    /// # Errors
    /// [`DecodeError::NotAnAttribute`] or [`DecodeError::Ident`] when the
    /// text is not of that form.
    pub fn parse(s: &str) -> Result<Self, DecodeError> {
        let (a, b) = s
            .split_once('.')
            .ok_or_else(|| DecodeError::NotAnAttribute(s.to_owned()))?;
        AttrRef::new(a, b)
    }
}

impl Encode for AttrRef {
    fn encode(&self, w: &mut Writer) {
        w.str(&self.schema);
        w.str(&self.attribute);
    }
}

impl Decode for AttrRef {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let s = r.string("schema id", caps::IDENT_LEN)?;
        let a = r.string("attribute name", caps::IDENT_LEN)?;
        AttrRef::new(&s, &a)
    }
}

impl fmt::Display for AttrRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.attribute)
    }
}

impl Serialize for AttrRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AttrRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        AttrRef::parse(&s).map_err(D::Error::custom)
    }
}

/// `>=` or `<=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Comparison {
    /// At least.
    #[serde(rename = ">=")]
    AtLeast,
    /// At most.
    #[serde(rename = "<=")]
    AtMost,
}

/// One term `weight·attribute` of a linear score.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// A public integer weight, positive or negative, not zero.
    pub weight: i64,
    /// The attribute.
    pub attr: AttrRef,
}

/// A statement about committed attributes that a presentation proves
/// (spec §5.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Predicate {
    /// `attr >= min`.
    AtLeast {
        /// The attribute.
        attr: AttrRef,
        /// The threshold.
        min: u64,
    },
    /// `attr <= max`.
    AtMost {
        /// The attribute.
        attr: AttrRef,
        /// The threshold.
        max: u64,
    },
    /// `min <= attr <= max`.
    Between {
        /// The attribute.
        attr: AttrRef,
        /// The lower bound.
        min: u64,
        /// The upper bound.
        max: u64,
    },
    /// `attr == value`, without revealing anything else.
    Equals {
        /// The attribute.
        attr: AttrRef,
        /// The value.
        value: u64,
    },
    /// Disclose the value of `attr`.
    Reveal {
        /// The attribute.
        attr: AttrRef,
    },
    /// `Σ weight·attr >= threshold` (or `<=`), over attributes of one or more
    /// credentials: the formula is public, the inputs stay hidden.
    Linear {
        /// The terms.
        terms: Vec<Term>,
        /// `>=` or `<=`.
        cmp: Comparison,
        /// The threshold.
        threshold: i64,
    },
}

impl Predicate {
    /// `attr >= min`.
    pub fn at_least(attr: AttrRef, min: u64) -> Self {
        Predicate::AtLeast { attr, min }
    }
    /// `attr <= max`.
    pub fn at_most(attr: AttrRef, max: u64) -> Self {
        Predicate::AtMost { attr, max }
    }
    /// `min <= attr <= max`.
    pub fn between(attr: AttrRef, min: u64, max: u64) -> Self {
        Predicate::Between { attr, min, max }
    }
    /// `attr == value`.
    pub fn equals(attr: AttrRef, value: u64) -> Self {
        Predicate::Equals { attr, value }
    }
    /// Reveal `attr`.
    pub fn reveal(attr: AttrRef) -> Self {
        Predicate::Reveal { attr }
    }
    /// `Σ w·attr >= threshold` (or `<=`).
    pub fn linear(terms: Vec<(i64, AttrRef)>, cmp: Comparison, threshold: i64) -> Self {
        Predicate::Linear {
            terms: terms
                .into_iter()
                .map(|(weight, attr)| Term { weight, attr })
                .collect(),
            cmp,
            threshold,
        }
    }

    /// The attributes the predicate reads, in order, each once.
    pub fn attributes(&self) -> Vec<&AttrRef> {
        match self {
            Predicate::AtLeast { attr, .. }
            | Predicate::AtMost { attr, .. }
            | Predicate::Between { attr, .. }
            | Predicate::Equals { attr, .. }
            | Predicate::Reveal { attr } => vec![attr],
            Predicate::Linear { terms, .. } => {
                let mut out: Vec<&AttrRef> = Vec::new();
                for t in terms {
                    if !out.contains(&&t.attr) {
                        out.push(&t.attr);
                    }
                }
                out
            }
        }
    }
}

impl Encode for Predicate {
    fn encode(&self, w: &mut Writer) {
        match self {
            Predicate::AtLeast { attr, min } => {
                w.u8(0);
                attr.encode(w);
                w.u64(*min);
            }
            Predicate::AtMost { attr, max } => {
                w.u8(1);
                attr.encode(w);
                w.u64(*max);
            }
            Predicate::Between { attr, min, max } => {
                w.u8(2);
                attr.encode(w);
                w.u64(*min);
                w.u64(*max);
            }
            Predicate::Equals { attr, value } => {
                w.u8(3);
                attr.encode(w);
                w.u64(*value);
            }
            Predicate::Reveal { attr } => {
                w.u8(4);
                attr.encode(w);
            }
            Predicate::Linear {
                terms,
                cmp,
                threshold,
            } => {
                w.u8(5);
                w.count(terms.len());
                for t in terms {
                    w.i64(t.weight);
                    t.attr.encode(w);
                }
                w.u8(match cmp {
                    Comparison::AtLeast => 0,
                    Comparison::AtMost => 1,
                });
                w.i64(*threshold);
            }
        }
    }
}

impl Decode for Predicate {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8()? {
            0 => Predicate::AtLeast {
                attr: AttrRef::decode(r)?,
                min: r.u64()?,
            },
            1 => Predicate::AtMost {
                attr: AttrRef::decode(r)?,
                max: r.u64()?,
            },
            2 => Predicate::Between {
                attr: AttrRef::decode(r)?,
                min: r.u64()?,
                max: r.u64()?,
            },
            3 => Predicate::Equals {
                attr: AttrRef::decode(r)?,
                value: r.u64()?,
            },
            4 => Predicate::Reveal {
                attr: AttrRef::decode(r)?,
            },
            5 => {
                let n = r.count("linear terms", caps::TERMS)?;
                let terms = (0..n)
                    .map(|_| {
                        Ok(Term {
                            weight: r.i64()?,
                            attr: AttrRef::decode(r)?,
                        })
                    })
                    .collect::<Result<_, DecodeError>>()?;
                let cmp = match r.u8()? {
                    0 => Comparison::AtLeast,
                    1 => Comparison::AtMost,
                    code => {
                        return Err(DecodeError::Code {
                            what: "comparison code",
                            code,
                        })
                    }
                };
                Predicate::Linear {
                    terms,
                    cmp,
                    threshold: r.i64()?,
                }
            }
            code => {
                return Err(DecodeError::Code {
                    what: "predicate kind",
                    code,
                })
            }
        })
    }
}

impl fmt::Display for Predicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Predicate::AtLeast { attr, min } => write!(f, "{attr} >= {min}"),
            Predicate::AtMost { attr, max } => write!(f, "{attr} <= {max}"),
            Predicate::Between { attr, min, max } => write!(f, "{min} <= {attr} <= {max}"),
            Predicate::Equals { attr, value } => write!(f, "{attr} == {value}"),
            Predicate::Reveal { attr } => write!(f, "reveal {attr}"),
            Predicate::Linear {
                terms,
                cmp,
                threshold,
            } => {
                for (i, t) in terms.iter().enumerate() {
                    let w = t.weight;
                    let mag = w.unsigned_abs();
                    match (i, w < 0) {
                        (0, false) => {}
                        (0, true) => f.write_str("-")?,
                        (_, false) => f.write_str(" + ")?,
                        (_, true) => f.write_str(" - ")?,
                    }
                    if mag == 1 {
                        write!(f, "{}", t.attr)?;
                    } else {
                        write!(f, "{mag}*{}", t.attr)?;
                    }
                }
                let op = match cmp {
                    Comparison::AtLeast => ">=",
                    Comparison::AtMost => "<=",
                };
                write!(f, " {op} {threshold}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::SchemaError;

    #[test]
    fn decode_errors_are_typed_and_read_as_before() {
        assert_eq!(
            Date::from_ymd(2027, 2, 30),
            Err(DecodeError::Date(DateError::NoSuchDay {
                year: 2027,
                month: 2,
                day: 30
            }))
        );
        assert_eq!(
            Date::parse("tomorrow").unwrap_err().to_string(),
            "invalid date `tomorrow`: expected YYYY-MM-DD"
        );
        assert_eq!(
            Date::from_days(70_000),
            Err(DecodeError::Date(DateError::AfterMax(70_000)))
        );
        assert_eq!(
            AttrRef::parse("bank"),
            Err(DecodeError::NotAnAttribute("bank".into()))
        );
        assert!(matches!(
            AttrRef::parse("bank.Liquidity"),
            Err(DecodeError::Ident(SchemaError::BadIdent {
                what: "attribute name",
                ..
            }))
        ));
    }

    #[test]
    fn dates() {
        assert_eq!(Date::from_ymd(1970, 1, 1).unwrap().days(), 0);
        let d = Date::parse("2027-03-01").unwrap();
        assert_eq!(d.days(), 20_878);
        assert_eq!(d.to_string(), "2027-03-01");
        assert_eq!(Date::parse("2149-06-06").unwrap().days(), DATE_MAX);
        assert!(Date::parse("2149-06-07").is_err());
        assert!(Date::parse("1969-12-31").is_err());
        assert!(Date::parse("2027-02-30").is_err());
        assert!(Date::parse("27-3-1").is_err());
        assert!(Date::parse("+2027-03-01").is_err());
        assert!(Date::parse("2027-3-01").is_err());
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, r#""2027-03-01""#);
        assert_eq!(serde_json::from_str::<Date>(&json).unwrap(), d);
    }

    #[test]
    fn predicates_display_and_round_trip() {
        let a = AttrRef::parse("bank.on_time_payments").unwrap();
        let b = AttrRef::parse("bank.late_payments").unwrap();
        let p = Predicate::linear(vec![(3, a.clone()), (-2, b)], Comparison::AtLeast, 40);
        assert_eq!(
            p.to_string(),
            "3*bank.on_time_payments - 2*bank.late_payments >= 40"
        );
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Predicate>(&json).unwrap(), p);
        let mut w = Writer::default();
        p.encode(&mut w);
        let bytes = w.into_vec();
        let mut r = Reader::new(&bytes).unwrap();
        assert_eq!(Predicate::decode(&mut r).unwrap(), p);
        r.finish().unwrap();
        assert!(AttrRef::parse("bank").is_err());
        assert!(AttrRef::parse("bank.Liquidity").is_err());
        assert_eq!(
            Predicate::reveal(a).to_string(),
            "reveal bank.on_time_payments"
        );
    }
}
