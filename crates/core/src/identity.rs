//! The person being verified.

use std::borrow::Cow;
use std::fmt;

use crate::id_card::{self, IdError, IdNumber, ValidationOptions};
use crate::mask;
use crate::mobile::{self, MobileError};
use crate::name::{self, NameError};

/// Name, ID number and (for three-element checks) mobile of the person being verified.
///
/// [`Identity::new`] validates and normalizes all three locally — a value that fails here
/// must never reach a paid API. [`Identity::unchecked`] skips that for callers who validate
/// elsewhere. A checked identity carries the proof of its check (and of the region rules it
/// was checked under) down the layers, so that [`Identity::validated`] — what every router and
/// vendor client calls before sending — validates each identity once. `Debug` masks every
/// field; the full values come only from the `expose_*` accessors.
///
/// ```
/// use shiming_core::{id_card::ValidationOptions, Date, Identity};
/// let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
/// let who = Identity::new("张三", "11010519491231002x", Some("+86 138-0013-8000"), &opts).unwrap();
/// assert_eq!(who.expose_id(), "11010519491231002X");
/// assert_eq!(who.expose_mobile(), Some("13800138000"));
/// assert_eq!(format!("{who:?}"), r#"Identity { name: "张*", id: "1101************2X", mobile: Some("138****8000"), checked: true }"#);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    name: String,
    id: String,
    mobile: Option<String>,
    checked: Checked,
}

/// How far an [`Identity`] has been validated: the proof it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Checked {
    /// Taken as given ([`Identity::unchecked`]).
    No,
    /// Validated with lenient region rules (a region problem is a warning).
    Lenient,
    /// Validated with strict region rules (a region problem refuses the number).
    Strict,
}

impl Checked {
    fn by(options: &ValidationOptions) -> Checked {
        if options.is_strict() {
            Checked::Strict
        } else {
            Checked::Lenient
        }
    }
}

/// Which input was refused, and why. Messages never contain the value in full.
///
/// ```
/// use shiming_core::{id_card::ValidationOptions, Date, Identity};
/// let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
/// let err = Identity::new("张三", "110105194912310021", None, &opts).unwrap_err();
/// assert_eq!((err.field(), err.reason()), ("id_card", "checksum"));
/// assert_eq!(err.to_string(), "id_card: check digit is '1' but should be 'X'");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The name was refused.
    #[error("name: {0}")]
    Name(#[source] NameError),
    /// The ID number was refused.
    #[error("id_card: {0}")]
    IdCard(#[source] IdError),
    /// The mobile was refused.
    #[error("mobile: {0}")]
    Mobile(#[source] MobileError),
    /// A three-element check was asked for without a mobile.
    #[error("mobile: a three-element check needs a mobile number")]
    MissingMobile,
    /// A vendor's own documented limit (length, characters) refuses the value.
    #[error("{field}: {message}")]
    VendorLimit {
        /// `name`, `id_card` or `mobile`.
        field: &'static str,
        /// What the vendor does not accept (never the value itself).
        message: &'static str,
    },
}

impl InputError {
    /// Which field: `name`, `id_card` or `mobile`.
    ///
    /// ```
    /// assert_eq!(shiming_core::identity::InputError::MissingMobile.field(), "mobile");
    /// ```
    #[must_use]
    pub fn field(&self) -> &'static str {
        match self {
            InputError::Name(_) => "name",
            InputError::IdCard(_) => "id_card",
            InputError::Mobile(_) | InputError::MissingMobile => "mobile",
            InputError::VendorLimit { field, .. } => field,
        }
    }

    /// The snake_case reason code of the underlying validator.
    ///
    /// ```
    /// assert_eq!(shiming_core::identity::InputError::MissingMobile.reason(), "missing");
    /// ```
    #[must_use]
    pub fn reason(&self) -> &'static str {
        match self {
            InputError::Name(e) => e.reason(),
            InputError::IdCard(e) => e.reason(),
            InputError::Mobile(e) => e.reason(),
            InputError::MissingMobile => "missing",
            InputError::VendorLimit { .. } => "vendor_limit",
        }
    }
}

impl Identity {
    /// Validates and normalizes name, ID number and optional mobile.
    ///
    /// ```
    /// use shiming_core::{id_card::ValidationOptions, Date, Identity};
    /// let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// assert!(Identity::new("张三", "11010519491231002X", Some("12345"), &opts).is_err());
    /// ```
    pub fn new(
        name: &str,
        id: &str,
        mobile: Option<&str>,
        options: &ValidationOptions,
    ) -> Result<Identity, InputError> {
        let name = name::parse(name).map_err(InputError::Name)?;
        let id: IdNumber = id_card::parse(id, options).map_err(InputError::IdCard)?;
        let mobile = match mobile {
            Some(m) => Some(mobile::parse(m).map_err(InputError::Mobile)?),
            None => None,
        };
        Ok(Identity {
            name: name.expose().to_string(),
            id: id.expose().to_string(),
            mobile: mobile.map(|m| m.expose().to_string()),
            checked: Checked::by(options),
        })
    }

    /// This identity validated under `options`, each value checked at most once in its life:
    /// an [`Identity::unchecked`] one is validated now ([`Identity::new`]); a checked one
    /// passes through borrowed, unless it was checked with lenient region rules and `options`
    /// are strict — then only its ID number's region is checked again (region is the last of
    /// the checks, so everything else already passed) and the result carries the stricter
    /// proof. Routers and vendor clients call this before every paid call, so an identity
    /// checked by the first layer is not checked again by the next.
    ///
    /// ```
    /// use shiming_core::{id_card::ValidationOptions, Date, Identity};
    /// use std::borrow::Cow;
    /// let lenient = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// let strict = lenient.strict(true);
    /// // 崇文区 (110103) was abolished in 2010; this number says born 2015.
    /// let who = Identity::unchecked("张三", "110103201503071232", None);
    /// let checked = who.validated(&lenient).unwrap();
    /// assert!(checked.is_checked());
    /// assert!(matches!(checked.validated(&lenient).unwrap(), Cow::Borrowed(_)));
    /// let e = checked.validated(&strict).unwrap_err();
    /// assert_eq!((e.field(), e.reason()), ("id_card", "region"));
    /// ```
    pub fn validated(&self, options: &ValidationOptions) -> Result<Cow<'_, Identity>, InputError> {
        let wanted = Checked::by(options);
        match self.checked {
            Checked::No => {
                Identity::new(&self.name, &self.id, self.mobile.as_deref(), options).map(Cow::Owned)
            }
            have if have >= wanted => Ok(Cow::Borrowed(self)),
            _ => {
                refuse_region_problem(&self.id, options)?;
                Ok(Cow::Owned(Identity {
                    checked: wanted,
                    ..self.clone()
                }))
            }
        }
    }

    /// Takes the values as they are, without local validation. Vendors will be sent exactly
    /// these strings (and may charge for refusing them).
    ///
    /// ```
    /// let who = shiming_core::Identity::unchecked("张三", "not an id", None);
    /// assert!(!who.is_checked());
    /// ```
    #[must_use]
    pub fn unchecked(name: &str, id: &str, mobile: Option<&str>) -> Identity {
        Identity {
            name: name.to_string(),
            id: id.to_string(),
            mobile: mobile.map(str::to_string),
            checked: Checked::No,
        }
    }

    /// Whether the values passed local validation.
    ///
    /// ```
    /// assert!(!shiming_core::Identity::unchecked("a", "b", None).is_checked());
    /// ```
    #[must_use]
    pub fn is_checked(&self) -> bool {
        self.checked != Checked::No
    }

    /// The full name. Personal data: never log it.
    ///
    /// ```
    /// assert_eq!(shiming_core::Identity::unchecked("张三", "x", None).expose_name(), "张三");
    /// ```
    #[must_use]
    pub fn expose_name(&self) -> &str {
        &self.name
    }

    /// The full ID number. Personal data: never log it.
    ///
    /// ```
    /// assert_eq!(shiming_core::Identity::unchecked("张三", "x", None).expose_id(), "x");
    /// ```
    #[must_use]
    pub fn expose_id(&self) -> &str {
        &self.id
    }

    /// The full mobile, if any. Personal data: never log it.
    ///
    /// ```
    /// assert_eq!(shiming_core::Identity::unchecked("张三", "x", None).expose_mobile(), None);
    /// ```
    #[must_use]
    pub fn expose_mobile(&self) -> Option<&str> {
        self.mobile.as_deref()
    }

    /// The mobile, or [`InputError::MissingMobile`] for three-element checks.
    ///
    /// ```
    /// let who = shiming_core::Identity::unchecked("张三", "x", None);
    /// assert!(who.require_mobile().is_err());
    /// ```
    pub fn require_mobile(&self) -> Result<&str, InputError> {
        self.expose_mobile().ok_or(InputError::MissingMobile)
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("name", &mask::mask_name(&self.name))
            .field("id", &mask::mask_id(&self.id))
            .field("mobile", &self.mobile.as_deref().map(mask::mask_mobile))
            .field("checked", &self.is_checked())
            .finish()
    }
}

/// Re-checks only the region of an already checked ID number under strict `options`. Region
/// is the last of the ID number's checks, so a region error means all the others passed; any
/// other error (the identity was made against another "today") is not this check's to raise.
fn refuse_region_problem(id: &str, options: &ValidationOptions) -> Result<(), InputError> {
    match id_card::parse(id, options) {
        Err(e @ IdError::Region { .. }) => Err(InputError::IdCard(e)),
        _ => Ok(()),
    }
}
