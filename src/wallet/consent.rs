//! What the holder sees before consenting to a request (spec/wallet.md §5).

use std::fmt;

use super::log::is_at_most;
use super::probing::{facts_of_request, Fact, Narrowing, Statement};
use super::Wallet;
use crate::epoch::{EpochList, EpochLists};
use crate::policy::{AttrRef, Date};
use crate::request::ProofRequest;
use crate::schema::Category;
use crate::statement::{AttributeUse, PredicateReport};

/// A request, as the holder should see it before consenting: who asks and
/// why, each statement the verifier would learn (the request's predicates
/// with repeated terms merged as the proof merges them, so that terms that
/// cancel are not shown as disclosed) with the attributes (and their
/// categories) it touches, the values revealed, behavioural attributes
/// flagged, the credentials that would be spent, and what the verifier would
/// know about each protected attribute. It holds no secret: no hidden value
/// appears in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentSummary {
    /// Who asks.
    pub verifier: String,
    /// Why, in the verifier's words.
    pub purpose: String,
    /// The reference date.
    pub date: Date,
    /// Each statement the verifier would learn: one per predicate of the
    /// request, merged (spec/wallet.md §5), then each credential's validity on
    /// the reference date.
    pub statements: Vec<PredicateReport>,
    /// The attributes whose values would be disclosed.
    pub revealed: Vec<String>,
    /// The categories touched, each once, in order of appearance.
    pub categories: Vec<Category>,
    /// The behavioural attributes touched.
    pub behavioural: Vec<String>,
    /// For each schema whose credential would be presented: its id and how
    /// many unused credentials of it the wallet holds now.
    pub credentials: Vec<(String, usize)>,
    /// For each schema the request asks for anonymously: its id and the size
    /// of the epoch list the wallet would prove membership in (the
    /// anonymity set), `None` when the wallet has none of the lists the
    /// request names.
    pub anonymous: Vec<(String, Option<usize>)>,
    /// Whether the request asks for the holder's pseudonym for this verifier,
    /// by which it recognises the holder on every return.
    pub pseudonym: bool,
    /// How many presentations this wallet made to this verifier before.
    pub earlier_presentations: usize,
    /// What the verifier would know about each protected attribute touched.
    pub narrowing: Vec<Narrowing>,
}

impl ConsentSummary {
    pub(super) fn new(wallet: &Wallet, request: &ProofRequest, lists: &EpochLists) -> Self {
        let use_of = |a: &AttrRef| {
            request.trusted_for(a.schema()).and_then(|t| {
                let i = t.schema.index_of(a.attribute())?;
                Some(AttributeUse {
                    attribute: a.to_string(),
                    category: t.schema.attributes().get(i)?.category,
                })
            })
        };
        let (predicates, expiries) = facts_of_request(request);
        let report = |statement: String, facts: &[Fact]| PredicateReport {
            statement,
            attributes: facts
                .iter()
                .flat_map(Fact::attributes)
                .filter_map(use_of)
                .collect(),
        };
        let mut statements: Vec<PredicateReport> = predicates
            .iter()
            .zip(request.predicates())
            .map(|(facts, p)| {
                let text = Statement {
                    facts,
                    at_most: is_at_most(p),
                };
                report(text.to_string(), facts)
            })
            .collect();
        for fact in &expiries {
            if let [a] = fact.attributes().as_slice() {
                let text = format!("{a} >= {}", request.date());
                statements.push(report(text, std::slice::from_ref(fact)));
            }
        }
        let revealed = predicates
            .iter()
            .flatten()
            .filter_map(|f| match f {
                Fact::Reveal(attr) => Some(attr.to_string()),
                _ => None,
            })
            .collect();
        let mut categories = Vec::new();
        let mut behavioural = Vec::new();
        for u in statements.iter().flat_map(|s| &s.attributes) {
            if !categories.contains(&u.category) {
                categories.push(u.category);
            }
            if u.category == Category::Behavioural && !behavioural.contains(&u.attribute) {
                behavioural.push(u.attribute.clone());
            }
        }
        let anonymous = request
            .trusted()
            .iter()
            .filter(|t| t.is_anonymous() && request.schemas().any(|s| s.id() == t.schema().id()))
            .map(|t| {
                let size = (0..t.lists().len())
                    .filter_map(|i| t.list_in(lists, i))
                    .map(EpochList::len)
                    .max();
                (t.schema().id().to_owned(), size)
            })
            .collect::<Vec<_>>();
        let credentials = request
            .schemas()
            .map(|s| s.id())
            .filter(|s| !anonymous.iter().any(|(a, _)| a == s))
            .map(|s| {
                let unused = wallet
                    .credentials
                    .iter()
                    .filter(|h| !h.used && h.rater.schema().id() == s)
                    .count();
                (s.to_owned(), unused)
            })
            .collect();
        ConsentSummary {
            verifier: request.verifier_id().to_owned(),
            purpose: request.purpose().to_owned(),
            date: request.date(),
            statements,
            revealed,
            categories,
            behavioural,
            credentials,
            anonymous,
            pseudonym: request.asks_pseudonym(),
            earlier_presentations: wallet
                .disclosures
                .get(request.verifier_id())
                .map_or(0, Vec::len),
            narrowing: wallet.narrowing_given(request, lists),
        }
    }
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for ConsentSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A request's verifier id and purpose hold no control characters
        // (spec §5.1), so they cannot forge lines of this summary.
        writeln!(f, "Verifier:   {}", self.verifier)?;
        let purpose = if self.purpose.is_empty() {
            "(none given)"
        } else {
            &self.purpose
        };
        writeln!(f, "Purpose:    {purpose}")?;
        writeln!(f, "Date:       {}", self.date)?;
        writeln!(f, "It will learn that:")?;
        let width = self
            .statements
            .iter()
            .map(|s| s.statement.len())
            .max()
            .unwrap_or(0);
        for s in &self.statements {
            let mut cats: Vec<String> = Vec::new();
            for u in &s.attributes {
                let c = if u.category == Category::Behavioural {
                    format!("{} (!)", u.category)
                } else {
                    u.category.to_string()
                };
                if !cats.contains(&c) {
                    cats.push(c);
                }
            }
            writeln!(f, "  {:<width$}  [{}]", s.statement, cats.join(", "))?;
        }
        writeln!(f, "Revealed:   {}", list(&self.revealed))?;
        writeln!(f, "Categories: {}", list(&self.categories))?;
        if !self.behavioural.is_empty() {
            writeln!(
                f,
                "(!) BEHAVIOURAL attributes touched: {}",
                list(&self.behavioural)
            )?;
        }
        let creds: Vec<String> = self
            .credentials
            .iter()
            .map(|(s, n)| format!("one `{s}` credential ({n} unused)"))
            .collect();
        writeln!(f, "Spends:     {}", list(&creds))?;
        for (schema, size) in &self.anonymous {
            match size {
                Some(n) => writeln!(
                    f,
                    "Anonymous:  `{schema}`: shown as one of {n} credentials of its epoch list; \
                     the rater cannot recognise it"
                )?,
                None => writeln!(
                    f,
                    "Anonymous:  `{schema}`: the wallet does not have the epoch list the request names"
                )?,
            }
        }
        if self.pseudonym {
            writeln!(
                f,
                "Pseudonym:  yes: this verifier recognises you whenever you return \
                 (other verifiers and the raters cannot link it)"
            )?;
        }
        writeln!(
            f,
            "Earlier presentations to this verifier: {}",
            self.earlier_presentations
        )?;
        for n in &self.narrowing {
            let mark = if n.is_too_narrow() { "REFUSED" } else { "ok" };
            writeln!(f, "Protected ({mark}): {n}")?;
        }
        Ok(())
    }
}
