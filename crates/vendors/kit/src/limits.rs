//! A vendor's documented input limits as data: each crate lists what its vendor refuses
//! ([`Limit`]s, in the order the vendor's failure table gives them) and [`check_limits`]
//! refuses such input before anything is sent — also with local validation turned off.

use shiming_core::identity::InputError;
use shiming_core::{Error, Identity};

/// The value of an identity a [`Limit`] applies to.
///
/// ```
/// assert_eq!(shiming_vendor_kit::Field::IdCard.name(), "id_card");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The name.
    Name,
    /// The ID number.
    IdCard,
    /// The mobile (a limit on it is skipped when the identity has none).
    Mobile,
}

impl Field {
    /// The field's name in errors ([`InputError::field`]): `name`, `id_card`, `mobile`.
    ///
    /// ```
    /// assert_eq!(shiming_vendor_kit::Field::Mobile.name(), "mobile");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::IdCard => "id_card",
            Field::Mobile => "mobile",
        }
    }

    fn of(self, identity: &Identity) -> Option<&str> {
        match self {
            Field::Name => Some(identity.expose_name()),
            Field::IdCard => Some(identity.expose_id()),
            Field::Mobile => identity.expose_mobile(),
        }
    }
}

/// What a [`Limit`] refuses.
///
/// ```
/// use shiming_vendor_kit::Rule;
/// assert!(Rule::MaxChars(2).refuses("张三丰"));
/// assert!(Rule::Required.refuses("") && !Rule::Required.refuses(" "));
/// assert!(Rule::NotBlank.refuses(" "));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// An empty value.
    Required,
    /// An empty or all-whitespace value.
    NotBlank,
    /// More than this many characters.
    MaxChars(usize),
    /// A value containing this character.
    Forbids(char),
    /// A value containing whitespace.
    NoWhitespace,
}

impl Rule {
    /// Whether `value` breaks the rule.
    ///
    /// ```
    /// assert!(shiming_vendor_kit::Rule::Forbids('*').refuses("李*"));
    /// ```
    #[must_use]
    pub fn refuses(self, value: &str) -> bool {
        match self {
            Rule::Required => value.is_empty(),
            Rule::NotBlank => value.trim().is_empty(),
            Rule::MaxChars(max) => value.chars().count() > max,
            Rule::Forbids(c) => value.contains(c),
            Rule::NoWhitespace => value.chars().any(char::is_whitespace),
        }
    }
}

/// One documented limit: a [`Rule`] on a [`Field`], and the message of its refusal (which
/// never contains the value: an [`InputError::VendorLimit`]).
///
/// ```
/// use shiming_vendor_kit::{Field, Limit, Rule};
/// const NAME_LENGTH: Limit = Limit::new(Field::Name, Rule::MaxChars(50), "at most 50 characters");
/// assert_eq!(NAME_LENGTH.field, Field::Name);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The value it applies to.
    pub field: Field,
    /// What it refuses.
    pub rule: Rule,
    /// The refusal's message.
    pub message: &'static str,
}

impl Limit {
    /// A limit (for a crate's `const` table).
    ///
    /// ```
    /// use shiming_vendor_kit::{Field, Limit, Rule};
    /// let l = Limit::new(Field::IdCard, Rule::Forbids('*'), "contains '*'");
    /// assert_eq!(l.rule, Rule::Forbids('*'));
    /// ```
    #[must_use]
    pub const fn new(field: Field, rule: Rule, message: &'static str) -> Limit {
        Limit {
            field,
            rule,
            message,
        }
    }
}

/// Refuses what `limits` say `vendor` refuses, checking them in order: first, for a
/// three-element API (`needs_mobile`), a missing mobile ([`InputError::MissingMobile`]), then
/// the first limit broken ([`InputError::VendorLimit`]). Every refusal is
/// [`shiming_core::ErrorKind::InvalidInput`] naming the vendor, not billed.
///
/// ```
/// use shiming_core::Identity;
/// use shiming_vendor_kit::{check_limits, Field, Limit, Rule};
/// const LIMITS: &[Limit] = &[Limit::new(Field::Name, Rule::Forbids('*'), "contains '*'")];
/// let who = Identity::unchecked("李*", "330106198805160711", None);
/// assert!(check_limits(&who, LIMITS, false, "demo").is_err());
/// let e = check_limits(&who, LIMITS, true, "demo").unwrap_err();
/// assert_eq!(e.input().map(|i| i.field()), Some("mobile"));
/// ```
///
/// # Errors
/// The refusal.
pub fn check_limits(
    identity: &Identity,
    limits: &[Limit],
    needs_mobile: bool,
    vendor: &'static str,
) -> Result<(), Error> {
    let refuse = |input: InputError| Err(Error::invalid_input(input).with_vendor(vendor));
    if needs_mobile && identity.expose_mobile().is_none() {
        return refuse(InputError::MissingMobile);
    }
    for limit in limits {
        if limit
            .field
            .of(identity)
            .is_some_and(|v| limit.rule.refuses(v))
        {
            return refuse(InputError::VendorLimit {
                field: limit.field.name(),
                message: limit.message,
            });
        }
    }
    Ok(())
}
