//! The registry of synthetic people whose checks the mock answers (`fixtures/people.tsv`).
//!
//! Outcomes: all elements known and matching → [`RegistryVerdict::Match`]; the ID number known but
//! the name (or mobile) different → [`RegistryVerdict::NameMismatch`] / [`RegistryVerdict::MobileMismatch`];
//! the ID number unknown → [`RegistryVerdict::NoRecord`]. The people are made with the core
//! generator and have valid check digits; none is a real person.

use std::collections::HashMap;

/// The registry compiled into the mock (`fixtures/people.tsv`).
const BUILTIN: &str = include_str!("../fixtures/people.tsv");

/// One synthetic person.
#[derive(Clone, PartialEq, Eq)]
pub struct Person {
    /// Name as registered.
    pub name: String,
    /// 18-digit ID number.
    pub id_card: String,
    /// Mobile registered to this person with the carrier, if any.
    pub mobile: Option<String>,
    /// What this entry is for (README examples).
    pub note: String,
}

impl std::fmt::Debug for Person {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Person")
            .field("name", &shiming_core::mask::mask_name(&self.name))
            .field("id_card", &shiming_core::mask::mask_id(&self.id_card))
            .field(
                "mobile",
                &self.mobile.as_deref().map(shiming_core::mask::mask_mobile),
            )
            .field("note", &self.note)
            .finish()
    }
}

/// What the registry says about a set of elements.
///
/// ```
/// use shiming_mock_market::{RegistryVerdict, Registry};
/// let r = Registry::builtin();
/// let p = &r.people()[0];
/// assert_eq!(r.two(&p.name, &p.id_card), RegistryVerdict::Match);
/// assert_eq!(r.two("某某某", &p.id_card), RegistryVerdict::NameMismatch);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryVerdict {
    /// Every element matches a registered person.
    Match,
    /// The ID number is registered under another name.
    NameMismatch,
    /// Name and ID match, but the mobile is not this person's.
    MobileMismatch,
    /// The ID number is not registered.
    NoRecord,
}

/// The synthetic people, indexed by ID number.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    people: Vec<Person>,
    by_id: HashMap<String, usize>,
}

/// A malformed registry file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("people registry line {line}: {problem}")]
pub struct RegistryError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub problem: &'static str,
}

impl Registry {
    /// The registry shipped in `fixtures/people.tsv`.
    ///
    /// ```
    /// assert!(shiming_mock_market::Registry::builtin().people().len() >= 10);
    /// ```
    #[must_use]
    pub fn builtin() -> Registry {
        // The file is part of the build and checked by tests; an error here is a build bug.
        Registry::parse(BUILTIN).unwrap_or_default()
    }

    /// Parses the TSV format: `#` comment lines, a header `name id_card mobile note`, then one
    /// person per line (mobile may be empty).
    ///
    /// ```
    /// let r = shiming_mock_market::Registry::parse("name\tid_card\tmobile\tnote\n张三\t11010519491231002X\t\tx\n").unwrap();
    /// assert_eq!(r.people().len(), 1);
    /// ```
    pub fn parse(text: &str) -> Result<Registry, RegistryError> {
        let mut registry = Registry::default();
        let mut header_seen = false;
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            if !header_seen {
                header_seen = true;
                if line != "name\tid_card\tmobile\tnote" {
                    return Err(RegistryError {
                        line: i + 1,
                        problem: "unexpected header",
                    });
                }
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let [name, id_card, mobile, note] = cols[..] else {
                return Err(RegistryError {
                    line: i + 1,
                    problem: "expected four columns",
                });
            };
            if registry.by_id.contains_key(id_card) {
                return Err(RegistryError {
                    line: i + 1,
                    problem: "duplicate ID number",
                });
            }
            registry
                .by_id
                .insert(id_card.to_string(), registry.people.len());
            registry.people.push(Person {
                name: name.to_string(),
                id_card: id_card.to_string(),
                mobile: (!mobile.is_empty()).then(|| mobile.to_string()),
                note: note.to_string(),
            });
        }
        Ok(registry)
    }

    /// Every person, in file order.
    ///
    /// ```
    /// assert!(!shiming_mock_market::Registry::builtin().people().is_empty());
    /// ```
    #[must_use]
    pub fn people(&self) -> &[Person] {
        &self.people
    }

    /// The person with this ID number.
    ///
    /// ```
    /// let r = shiming_mock_market::Registry::builtin();
    /// assert!(r.by_id("000000000000000000").is_none());
    /// ```
    #[must_use]
    pub fn by_id(&self, id_card: &str) -> Option<&Person> {
        self.by_id.get(id_card).map(|&i| &self.people[i])
    }

    /// Two elements: name + ID number.
    ///
    /// ```
    /// let r = shiming_mock_market::Registry::builtin();
    /// assert_eq!(r.two("张三", "000000000000000000"), shiming_mock_market::RegistryVerdict::NoRecord);
    /// ```
    #[must_use]
    pub fn two(&self, name: &str, id_card: &str) -> RegistryVerdict {
        match self.by_id(id_card) {
            None => RegistryVerdict::NoRecord,
            Some(p) if p.name != name => RegistryVerdict::NameMismatch,
            Some(_) => RegistryVerdict::Match,
        }
    }

    /// Three elements: name + ID number + mobile.
    ///
    /// ```
    /// let r = shiming_mock_market::Registry::builtin();
    /// let p = r.people().iter().find(|p| p.mobile.is_some()).unwrap();
    /// assert_eq!(r.three(&p.name, &p.id_card, p.mobile.as_deref().unwrap()), shiming_mock_market::RegistryVerdict::Match);
    /// assert_eq!(r.three(&p.name, &p.id_card, "13800000000"), shiming_mock_market::RegistryVerdict::MobileMismatch);
    /// ```
    #[must_use]
    pub fn three(&self, name: &str, id_card: &str, mobile: &str) -> RegistryVerdict {
        match self.by_id(id_card) {
            None => RegistryVerdict::NoRecord,
            Some(p) if p.name != name => RegistryVerdict::NameMismatch,
            Some(p) if p.mobile.as_deref() != Some(mobile) => RegistryVerdict::MobileMismatch,
            Some(_) => RegistryVerdict::Match,
        }
    }
}
