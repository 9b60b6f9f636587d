//! The traits every vendor client implements.

use async_trait::async_trait;

use crate::{Error, Identity, Verification};

/// Verifies name + ID number + mobile ("three elements").
///
/// ```
/// use async_trait::async_trait;
/// use shiming_core::{Billing, Error, Identity, ThreeElementVerifier, Verdict, Verification};
///
/// struct AlwaysMatch;
///
/// #[async_trait]
/// impl ThreeElementVerifier for AlwaysMatch {
///     fn vendor(&self) -> &'static str { "test" }
///     async fn verify_three(&self, who: &Identity) -> Result<Verification, Error> {
///         who.require_mobile().map_err(Error::invalid_input)?;
///         Ok(Verification::new(Verdict::Match, "test", Billing::NotBilled))
///     }
/// }
/// ```
#[async_trait]
pub trait ThreeElementVerifier: Send + Sync {
    /// The vendor API id: [`crate::Vendor::id`] for the catalogued APIs (`tel3`, `sxm3v2`,
    /// `sjsys`, `phonethird`), any other name for a verifier of your own.
    fn vendor(&self) -> &'static str;

    /// Checks that name, ID number and mobile belong together. Fails with
    /// [`crate::ErrorKind::InvalidInput`] when `identity` has no mobile.
    async fn verify_three(&self, identity: &Identity) -> Result<Verification, Error>;
}

/// Verifies name + ID number ("two elements").
///
/// ```
/// use async_trait::async_trait;
/// use shiming_core::{Billing, Error, Identity, TwoElementVerifier, Verdict, Verification};
///
/// struct NeverKnown;
///
/// #[async_trait]
/// impl TwoElementVerifier for NeverKnown {
///     fn vendor(&self) -> &'static str { "test" }
///     async fn verify_two(&self, _: &Identity) -> Result<Verification, Error> {
///         Ok(Verification::new(Verdict::NoRecord, "test", Billing::NotBilled))
///     }
/// }
/// ```
#[async_trait]
pub trait TwoElementVerifier: Send + Sync {
    /// The vendor API id: [`crate::Vendor::id`] for the catalogued APIs (`sfz2`), any other
    /// name for a verifier of your own.
    fn vendor(&self) -> &'static str;

    /// Checks that name and ID number belong together.
    async fn verify_two(&self, identity: &Identity) -> Result<Verification, Error>;
}
